"""One environment's real Airflow: its home, configuration, database and processes.

Layout under ``<root>/envs/<account>/<region>/<name>/``: ``airflow/`` (AIRFLOW_HOME with dags/ and
plugins/), ``files/`` (requirements.txt, plugins.zip, startup.sh as fetched), ``site-packages/`` (the
requirements overlay), ``logs/`` (one log per component + Airflow's task logs), ``run/`` (pid files).
Processes are started with :mod:`mwaa_local.process`, each in its own session, so they are
stopped by pid (their whole process group) and nothing else is ever signalled.

Components (the version table's, :attr:`mwaa_platform.versions.AirflowVersion.components`): Airflow 2 runs
``scheduler`` (LocalExecutor) and, on demand, ``webserver`` (1 worker); Airflow 3 runs ``api-server``
(1 worker; LocalExecutor tasks report to its execution API), ``dag-processor`` and ``scheduler``.
``triggerer`` only when the service is started with it (one process less on a 2-core machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from mwaa_local import ports
from mwaa_local.mwaa import CLIENT_ONLY_VARIABLES, celery_workers, classes, logshipping, procs
from mwaa_local.mwaa.database import Databases
from mwaa_local.mwaa.settings import Settings
from mwaa_local.mwaa.store import Key, Record, key_of
from mwaa_platform import airflow_runtime, versions

PLUGIN_FILE = "mwaa_local_auth.py"
PLUGIN_SHIM = (
    '"""MWAA web routes for the local MWAA (written by mwaa_local.mwaa; do not edit)."""\n'
    "from mwaa_local.mwaa.airflow_plugin import MwaaLocalPlugin  # noqa: F401\n"
)
# Variables a startup script may not override (MWAA reserves how Airflow is wired).
RESERVED_VARIABLES = {"AIRFLOW_HOME", "PYTHONPATH", "PATH", "MWAA_LOCAL_TOKEN_SECRET_FILE"}
STARTUP_TIMEOUT_SECONDS = 120
# Set explicitly (not left to airflow.cfg): after an in-place 2.x <-> 3.x change the other major's default
# must never be read. 2.x: FAB (the login route uses its security manager); 3.x: the simple auth manager (the
# login route mints its JWT; the 3.x runtimes have no FAB provider).
AUTH_MANAGERS = {
    2: "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
    3: "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
}
_web_locks: dict[Key, threading.Lock] = {}
_web_guard = threading.Lock()


class StartError(RuntimeError):
    """An Airflow component did not come up."""


def env_root(settings: Settings, key: Key) -> Path:
    return settings.root / "envs" / key.account / key.region / key.name


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them), else RSS."""
    for path, label in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(label):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


@dataclass
class EnvRuntime:
    record: Record
    settings: Settings
    databases: Databases

    # -- layout --------------------------------------------------------------------------------------------
    @property
    def key(self) -> Key:
        return key_of(self.record)

    @property
    def root(self) -> Path:
        return env_root(self.settings, self.key)

    @property
    def home(self) -> Path:
        return self.root / "airflow"

    @property
    def dags(self) -> Path:
        return self.home / "dags"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def overlay(self) -> Path:
        return self.root / "site-packages"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def version(self) -> str:
        version: str = self.record["AirflowVersion"]
        return version

    @property
    def major(self) -> int:
        return versions.parse(self.version)[0]

    @property
    def web_port(self) -> int:
        port: int = self.record["_local"]["web_port"]
        return port

    @property
    def web_component(self) -> str:
        return "api-server" if self.major >= 3 else "webserver"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def components(self) -> list[str]:
        """Components that run for the environment's whole life: the version table's components, except the
        2.x webserver (started on demand unless ``--webserver eager``) and the triggerer (``--triggerer``)."""
        names = [c for c in versions.get(self.version).components
                 if c != "webserver" and (c != "triggerer" or self.settings.triggerer)]
        return sorted(names)

    @property
    def celery(self) -> bool:
        """CeleryExecutor on the emulator's SQS (mw1.small and up, versions in celery_workers.CELERY_VERSIONS)."""
        return celery_workers.uses_celery(self.record)

    def airflow(self) -> airflow_runtime.AirflowRuntime:
        if self.celery:
            return airflow_runtime.ensure_celery(self.version)
        return airflow_runtime.ensure(self.version)

    # -- configuration -------------------------------------------------------------------------------------
    def parallelism(self) -> int:
        cap = classes.CLASSES[self.record["EnvironmentClass"]]
        return max(1, min(cap.tasks, self.settings.max_parallelism))

    def prepare(self) -> None:
        """Create the folders, the token secret file and the MWAA web-routes plugin."""
        for folder in (self.dags, self.plugins, self.files, self.logs, self.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
        secret = self.root / "token_secret"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.record["_local"]["token_secret"])
        (self.plugins / PLUGIN_FILE).write_text(PLUGIN_SHIM)

    def startup_env(self) -> dict[str, str]:
        path = self.root / "startup.env.json"
        if not path.exists():
            return {}
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded

    @staticmethod
    def _mwaa_db_variables(url: str) -> dict[str, str]:
        parts = urlsplit(url)
        return {
            "MWAA__DB__POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "MWAA__DB__POSTGRES_PORT": str(parts.port or 5432),
            "MWAA__DB__POSTGRES_DB": parts.path.lstrip("/"),
            "MWAA__DB__CREDENTIALS": json.dumps({"username": unquote(parts.username or ""),
                                                 "password": unquote(parts.password or "")}),
            "MWAA__DB__POSTGRES_SSLMODE": "disable",  # loopback; MWAA itself requires TLS
        }

    def environ(self) -> dict[str, str]:
        """The process environment of every component: base, startup-script exports, MWAA's wiring, options."""
        local = self.record["_local"]
        env = {k: v for k, v in os.environ.items()
               if k not in CLIENT_ONLY_VARIABLES and not k.startswith(("AIRFLOW", "AWS_", "MWAA_LOCAL"))}
        env.update({k: v for k, v in self.startup_env().items() if k not in RESERVED_VARIABLES})
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            env["AWS_ENDPOINT_URL"] = endpoint
        env.update({
            "AWS_ACCESS_KEY_ID": local.get("task_access_key_id") or local["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": "local-mwaa",
            "AWS_REGION": local["region"],
            "AWS_DEFAULT_REGION": local["region"],
            "AWS_EC2_METADATA_DISABLED": "true",
            "AIRFLOW_ENV_NAME": self.record["Name"],
            "AIRFLOW_HOME": str(self.home),
            "MWAA_LOCAL_TOKEN_SECRET_FILE": str(self.root / "token_secret"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.plugins),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism()),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__FERNET_KEY": local["fernet_key"],
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.databases.url(local["database"]),
            # MWAA's containers carry the metadata database as MWAA__DB__*; Airflow 3 blanks the SQLAlchemy URL in
            # task processes, so the DR DAGs (mwaa_platform.metadata.dbconn) read these, as on MWAA
            **self._mwaa_db_variables(self.databases.url(local["database"])),
            "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "3",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs / "airflow"),
            "AIRFLOW__SCHEDULER__PARSING_PROCESSES": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": str(max(1, min(5, int(self.settings.metrics_period // 3)))),
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(self.web_port),
            "AIRFLOW__WEBSERVER__BASE_URL": self.base_url,
            "AIRFLOW__WEBSERVER__SECRET_KEY": local["secret_key"],
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.session",
            "AIRFLOW__API__PORT": str(self.web_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": local["secret_key"],
            "AIRFLOW__API_AUTH__JWT_SECRET": local["token_secret"],
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGERS[min(self.major, 3)],
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "simple_auth_passwords.json"),
        })
        if self.major >= 3:
            # Airflow's own layout: the DAG processor's per-file logs under the base log folder. Elsewhere (its default
            # is $AIRFLOW_HOME/logs/dag_processor, outside our base folder) the CloudWatch remote-logging processor
            # cannot name their stream and raises, which ends the whole DAG processor at the first parse-time log line.
            child_logs = self.logs / "airflow" / "dag_processor"
            env["AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY"] = str(child_logs)
        if self.celery and local.get("celery_queue_url"):
            env.update(celery_workers.environ(self))
        env.update(logshipping.airflow_environ(self.record))  # LoggingConfiguration: levels, TaskLogs remote logging
        for option, value in (self.record.get("AirflowConfigurationOptions") or {}).items():
            section, _, name = option.partition(".")
            env[f"AIRFLOW__{section.upper()}__{name.upper()}"] = value
        if self.overlay.exists():
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.overlay), env.get("PYTHONPATH", "")) if p)
        return env

    def run_startup_script(self, script: Path) -> None:
        """Source the startup script like MWAA does and keep the variables it exports."""
        base = self.environ()
        done = subprocess.run(["bash", "-c", 'source "$1" >&2 && env -0', "startup", str(script)],
                              env=base, capture_output=True, timeout=STARTUP_TIMEOUT_SECONDS, check=False,
                              cwd=self.home)
        (self.logs / "startup.log").write_bytes(done.stderr)
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise StartError(f"startup script exited with {done.returncode}: {' '.join(tail)}")
        exported = dict(item.split("=", 1) for item in done.stdout.decode(errors="replace").split("\0") if "=" in item)
        changes = {k: v for k, v in exported.items() if base.get(k) != v and k not in RESERVED_VARIABLES}
        (self.root / "startup.env.json").write_text(json.dumps(changes, sort_keys=True))

    def write_env_file(self) -> Path:
        """``airflow.env``: the exact environment of the components, for debugging (mode 0600)."""
        path = self.root / "airflow.env"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            for k, v in sorted(self.environ().items()):
                handle.write(f"{k}={v}\n")
        return path

    # -- processes -----------------------------------------------------------------------------------------
    def pid_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def command(self, component: str) -> list[str]:
        airflow = str(self.airflow().airflow)
        if component == "scheduler":
            return [airflow, "scheduler", "--skip-serve-logs"]
        if component == "triggerer":
            return [airflow, "triggerer", "--skip-serve-logs"]
        if component == "dag-processor":
            return [airflow, "dag-processor"]
        if component == "api-server":
            return [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.web_port), "--workers", "1"]
        if component == "webserver":
            return [airflow, "webserver", "--hostname", "127.0.0.1", "--port", str(self.web_port), "--workers", "1"]
        if celery_workers.worker_index(component) is not None:
            return celery_workers.worker_command(self, component)
        raise ValueError(f"unknown component {component}")

    def alive(self, component: str) -> bool:
        return procs.running(self.pid_file(component)) is not None

    def start(self, component: str) -> bool:
        """Start ``component`` unless it already runs; True if it was started now."""
        if self.alive(component):
            return False
        if component in ("webserver", "api-server") and ports.is_listening(self.web_port):
            raise StartError(f"port {self.web_port} of {self.record['Name']}'s {component} is taken by a process "
                             "the local MWAA did not start; stop it or recreate the environment")
        env = self.environ()
        if celery_workers.worker_index(component) is not None:
            env["MWAA_LOCAL_HOSTNAME"] = celery_workers.hostname(self, component)
            log = self.log_file(component)
            if log.exists():  # readiness is read from the log: keep the previous run's as .1
                log.replace(log.with_name(log.name + ".1"))
        procs.spawn(self.command(component), self.pid_file(component), self.log_file(component),
                    env=env, cwd=self.home)
        return True

    def initial_workers(self) -> list[str]:
        """The Celery workers an environment starts with: MinWorkers of them (none without Celery)."""
        if not self.celery:
            return []
        return [celery_workers.worker_name(i) for i in range(1, int(self.record["MinWorkers"]) + 1)]

    def start_all(self) -> None:
        for component in [*self.components(), *self.initial_workers()]:
            self.start(component)
        if self.major < 3 and self.settings.webserver == "eager":
            self.start("webserver")

    def stop(self, components: list[str] | None = None) -> None:
        names = components or [p.stem for p in sorted(self.run_dir.glob("*.pid"))]
        threads = [threading.Thread(target=procs.stop, args=(self.pid_file(n),)) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def kill(self, component: str) -> bool:
        """SIGKILL a component's whole process group (a crash, not a shutdown). True if it was running."""
        return procs.kill(self.pid_file(component))

    def memory_kb(self) -> dict[str, int]:
        """Memory (PSS, kB) per running component, its children included."""
        usage = {}
        for pid_file in sorted(self.run_dir.glob("*.pid")):
            pid = procs.running(pid_file)
            if pid:
                usage[pid_file.stem] = sum(_memory_kb(p) for p, _ in procs.descendants(pid))
        return usage

    # -- health --------------------------------------------------------------------------------------------
    def scheduler_heartbeat(self) -> float | None:
        """Epoch seconds of the live scheduler job's latest heartbeat in the metadata DB."""
        import psycopg2

        dsn = self.databases.cluster.dsn(self.record["_local"]["database"])
        with contextlib.closing(psycopg2.connect(dsn, connect_timeout=5)) as conn, conn.cursor() as cur:
            cur.execute("SELECT extract(epoch FROM max(latest_heartbeat)) FROM job "
                        "WHERE job_type = 'SchedulerJob' AND state = 'running'")
            row = cur.fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def web_healthy(self) -> bool:
        path = "/api/v2/monitor/health" if self.major >= 3 else "/health"
        try:
            return requests.get(self.base_url + path, timeout=3).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, components: list[str], timeout: float) -> None:
        """Wait until every component is healthy; the scheduler must heartbeat *after* this call began
        (a killed scheduler's job row keeps its last heartbeat and state 'running')."""
        since = time.time() - 1
        deadline = time.monotonic() + timeout
        pending = list(components)
        while pending:
            for component in list(pending):
                if not self.alive(component):
                    raise StartError(f"{component} exited during start-up; see {self.log_file(component)}: "
                                     f"{self.log_tail(component, 5)}")
                if self._healthy(component, since):
                    pending.remove(component)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise StartError(f"{', '.join(pending)} not healthy within {timeout:.0f}s; see {self.logs}")
            time.sleep(1)

    def _healthy(self, component: str, since: float) -> bool:
        if component == "scheduler":
            try:
                beat = self.scheduler_heartbeat()
            except Exception:
                return False
            return beat is not None and beat >= since
        if component in ("webserver", "api-server"):
            return self.web_healthy()
        if celery_workers.worker_index(component) is not None:
            return celery_workers.ready(self, component)
        return True

    def ensure_web(self) -> None:
        """Start the web component if it does not run (lazy webserver) and wait until it answers."""
        with _web_guard:
            lock = _web_locks.setdefault(self.key, threading.Lock())
        with lock:
            if self.alive(self.web_component) and self.web_healthy():
                return
            self.start(self.web_component)
            self.wait_healthy([self.web_component], self.settings.start_timeout)

    def log_tail(self, component: str, lines: int = 50) -> str:
        path = self.log_file(component)
        if not path.exists():
            return ""
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def destroy(self) -> None:
        self.stop()
        self.databases.drop(self.record["_local"]["database"])
        shutil.rmtree(self.root, ignore_errors=True)

    def status(self) -> dict[str, Any]:
        return {
            "components": {c: self.alive(c) for c in [*self.components(), self.web_component]},
            "executor": "CeleryExecutor" if self.celery else "LocalExecutor",
            "workers": {w: procs.running(self.pid_file(w)) for w in celery_workers.workers(self)},
            "memory_kb": self.memory_kb(),
            "root": str(self.root),
            "web": self.base_url,
        }
