"""CeleryExecutor on the emulator's SQS: the queue, the Celery configuration and the worker processes.

MWAA runs CeleryExecutor with an SQS queue named ``airflow-celery-<uuid>`` (``CeleryExecutorQueue``) for every
class but mw1.micro (one combined scheduler/worker, which stays on LocalExecutor here). Locally:

* the queue is created in the emulator's SQS, in the environment's account, with the name of the reported ARN;
* Airflow's Celery provider talks to it through kombu's SQS transport with ``predefined_queues`` (no
  ListQueues/CreateQueue from Airflow), passed as ``[celery] extra_celery_config`` JSON; the result backend is
  the metadata database (``db+postgresql+psycopg2://``); remote control is off (SQS has no fanout);
* workers are ``airflow celery worker`` processes (``worker-<n>`` pid files), each its own "host"
  (``[core] hostname_callable`` returns ``MWAA_LOCAL_HOSTNAME``), with the class's tasks per worker as a fixed
  ``--concurrency`` (prefork pool).
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from mwaa_local.mwaa import classes, procs
from mwaa_local.mwaa.identity import client
from mwaa_local.mwaa.store import Record

if TYPE_CHECKING:
    from mwaa_local.mwaa.runtime import EnvRuntime

# Versions whose local environments run CeleryExecutor (the others keep LocalExecutor for every class).
CELERY_VERSIONS = frozenset({"2.11.0"})
COMBINED_CLASSES = frozenset({"mw1.micro"})  # MWAA: scheduler and worker in one container
CELERY_QUEUE = "default"  # Airflow's [operators] default_queue: the Celery queue name kombu maps to the SQS URL
WORKER_PREFIX = "worker-"
HOSTNAME_CALLABLE = "mwaa_local.mwaa.hostname.get"
VISIBILITY_TIMEOUT = 21600  # seconds an unacknowledged task stays invisible (a killed worker's task reappears)
_WORKER_RE = re.compile(rf"^{WORKER_PREFIX}(\d+)$")


def uses_celery(record: Record) -> bool:
    return record["EnvironmentClass"] not in COMBINED_CLASSES and record["AirflowVersion"] in CELERY_VERSIONS


def tasks_per_worker(record: Record) -> int:
    return classes.CLASSES[record["EnvironmentClass"]].tasks


def queue_name(record: Record) -> str:
    return str(record["CeleryExecutorQueue"]).rsplit(":", 1)[-1]


def _sqs(record: Record) -> Any:
    local = record["_local"]
    return client("sqs", local["access_key_id"], local["region"])


def ensure_queue(record: Record) -> str:
    """Create (idempotent) the environment's queue in the emulator's SQS; returns its URL.

    The queue's own visibility timeout matters: with ``predefined_queues`` kombu neither creates the queue nor
    passes its ``visibility_timeout`` option on receive, so SQS's default (30 s) would hand a task that runs
    longer to a second worker."""
    sqs = _sqs(record)
    attributes = {"VisibilityTimeout": str(VISIBILITY_TIMEOUT)}
    url: str = sqs.create_queue(QueueName=queue_name(record), Attributes=attributes)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def delete_queue(record: Record) -> None:
    url = record["_local"].get("celery_queue_url")
    if url:
        _sqs(record).delete_queue(QueueUrl=url)


def environ(rt: EnvRuntime) -> dict[str, str]:
    """The Airflow configuration of a Celery environment (every component gets it)."""
    record, local = rt.record, rt.record["_local"]
    url = local["celery_queue_url"]
    endpoint = re.match(r"^(https?)://([^/:]+)(?::(\d+))?", url)
    assert endpoint, url
    scheme, host, port = endpoint.groups()
    key = local.get("task_access_key_id") or local["access_key_id"]
    transport = {
        "predefined_queues": {CELERY_QUEUE: {"url": url, "access_key_id": key, "secret_access_key": "local-mwaa"}},
        "region": local["region"],
        "is_secure": scheme == "https",
        "visibility_timeout": VISIBILITY_TIMEOUT,
        "wait_time_seconds": 5,  # long polling; moto's SQS honours it
        "polling_interval": 1,
    }
    per_worker = tasks_per_worker(record)
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        # the scheduler may queue what the largest worker fleet can run (MWAA: tasks per worker x MaxWorkers)
        "AIRFLOW__CORE__PARALLELISM": str(per_worker * int(record["MaxWorkers"])),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE,
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": CELERY_QUEUE,
        "AIRFLOW__CELERY__BROKER_URL": f"sqs://{key}:local-mwaa@{host}{':' + port if port else ''}/",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + rt.databases.url(local["database"]),
        "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"broker_transport_options": transport}),
        "AIRFLOW__CELERY__WORKER_ENABLE_REMOTE_CONTROL": "False",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(per_worker),
        "AIRFLOW__CELERY__OPERATION_TIMEOUT": "15",  # first SQS call of a busy scheduler can exceed 1 s
        "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
    }


def worker_name(index: int) -> str:
    return f"{WORKER_PREFIX}{index}"


def worker_index(component: str) -> int | None:
    match = _WORKER_RE.match(component)
    return int(match[1]) if match else None


def hostname(rt: EnvRuntime, component: str) -> str:
    """The worker's host name as Airflow records it (``task_instance.hostname``)."""
    return f"{rt.record['Name']}-{component}".lower()


def worker_command(rt: EnvRuntime, component: str) -> list[str]:
    per_worker = tasks_per_worker(rt.record)
    return [str(rt.airflow().airflow), "celery", "worker", "--queues", CELERY_QUEUE,
            "--concurrency", str(per_worker),
            "--celery-hostname", f"{component}@{hostname(rt, component)}",
            "--skip-serve-logs", "--without-mingle", "--without-gossip"]


def workers(rt: EnvRuntime) -> list[str]:
    """Running worker components, lowest index first."""
    found = [p.stem for p in rt.run_dir.glob(f"{WORKER_PREFIX}*.pid") if worker_index(p.stem) is not None]
    return sorted((w for w in found if rt.alive(w)), key=lambda w: worker_index(w) or 0)


def ready(rt: EnvRuntime, component: str) -> bool:
    """Celery logs ``<name>@<host> ready.`` once it consumes; the log is rotated when the worker starts."""
    path = rt.log_file(component)
    try:
        return f"{component}@{hostname(rt, component)} ready." in path.read_text(errors="replace")
    except OSError:
        return False


def needed(demand: int, per_worker: int, low: int, high: int) -> int:
    """Workers for ``demand`` queued + running tasks, within [MinWorkers, MaxWorkers]."""
    return max(low, min(high, math.ceil(demand / per_worker)))


def stop_worker(rt: EnvRuntime, component: str, strategy: str, graceful_timeout: float) -> None:
    """GRACEFUL: SIGTERM to the worker's main process only, Celery's warm shutdown (running tasks finish,
    nothing new is taken); FORCED: SIGKILL of the whole process tree (running tasks die with it)."""
    if strategy == "GRACEFUL":
        procs.stop(rt.pid_file(component), timeout=graceful_timeout, main_only=True)
    else:
        procs.kill(rt.pid_file(component))
