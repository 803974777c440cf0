"""The DR drill's ground (:mod:`mwaa_local.dr_drill`): its own embedded default (:class:`Stack`: emulator, PostgreSQL,
local MWAA), the platform stack applied in both regions with the drill's settings, the workload DAG, and the ways in
(boto3 clients, Airflow through the MWAA API, row counts in an environment's database)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import psycopg2
from botocore.config import Config

from mwaa_local import ports
from mwaa_local.emulator import ACCOUNT_ID, Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_platform.failover.airflow import AirflowRest, major_version

REPO = Path(__file__).resolve().parents[2]  # the checkout: terraform/, scripts/tf.sh, dags/

ENV = "local"
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
ENVIRONMENT = f"mwaa-{ENV}"                     # terraform/platform names the environment mwaa-<env> in both regions
DR_NAME = f"mwaa-{ENV}"
BACKUP_SCHEDULE = "* * * * *"                   # the RPO: one snapshot a minute
BACKUP_INTERVAL_SECONDS = 60
METRICS_PERIOD = 10.0
TARGET_RTO_SECONDS = 120
WORKLOAD_DAG = "drill_workload"
DEFAULT_AIRFLOW_VERSION = "2.11.0"              # CeleryExecutor locally; make drill AIRFLOW_VERSION=3.2.1: Airflow 3
ENVIRONMENT_CLASS = "mw1.small"                 # Celery on SQS (mw1.micro is MWAA's combined scheduler/worker)
WORKLOAD_RUNS = 2                               # steady state: this many workload runs before a snapshot
INFLIGHT_DAG = "drill_inflight"                 # mwaa_local.dr_drill_inflight: tasks in flight at the kill
ACTIVE_IN_PRIMARY = (WORKLOAD_DAG, "dr_backup", INFLIGHT_DAG)
CLIENT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60)

# A workload for the drill, shipped next to the repository's DAGs: one run a minute that leaves traces in
# several tables (dag_run, task_instance, xcom, variable).
WORKLOAD = '''"""Drill workload: a run a minute, writing an XCom and a Variable (the drill checks they survive)."""
import pendulum

try:
    from airflow.sdk import DAG, Variable, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task
    from airflow.models import Variable

with DAG(dag_id="drill_workload", schedule="* * * * *", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         catchup=False, max_active_runs=1, tags=["drill"]) as dag:

    @task
    def work(**context):
        stamp = context["ts"]
        Variable.set("drill_last_run", stamp)
        return {"ran_at": stamp}

    work()
'''


def log(message: str) -> None:
    print(f"[drill {datetime.now(UTC).strftime('%H:%M:%S')}] {message}", flush=True)


def now() -> datetime:
    return datetime.now(UTC)


def wait_for(what: str, predicate: Any, timeout: float, every: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the thing we wait for may not answer yet
            last_error = exc
        time.sleep(every)
    raise TimeoutError(f"{what}: not reached within {int(timeout)} s (last error: {last_error})")


@dataclass
class Stack:
    """The drill's own embedded default: emulator, PostgreSQL, local MWAA."""

    root: Path
    demo: bool = False                          # --demo: the whole platform of local.tfvars (EKS included)
    strategy: str = "warm_standby"              # --strategy: the platform's dr_mode
    airflow_version: str = DEFAULT_AIRFLOW_VERSION  # --airflow-version: the primary's (and secondary's) Airflow
    secondary_airflow_version: str | None = None  # --secondary-airflow-version: a secondary upgraded first
    emulator: Emulator = field(init=False)
    cluster: Cluster = field(init=False)
    mwaa: LocalMwaa = field(init=False)

    def __post_init__(self) -> None:
        self.emulator = Emulator(port=ports.free_port(), root=self.root / "emulator")
        self.cluster = Cluster(self.root / "pg", ports.free_port())
        self.mwaa_port = ports.free_port()

    def client_env(self, region: str = PRIMARY) -> dict[str, str]:
        return {**self.emulator.env(region), **mwaa_env(self.mwaa_port)}

    def up(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        log(f"emulator on {self.emulator.endpoint}")
        self.emulator.start()
        self.emulator.set_lambda_env(mwaa_env(self.mwaa_port))  # the emulator's Lambdas reach the local MWAA
        log(f"PostgreSQL on 127.0.0.1:{self.cluster.port}")
        self.cluster.start()
        if self.cluster.relocated:
            log(f"PostgreSQL data in {self.cluster.data_dir} (its unprivileged owner cannot reach {self.cluster.root})")
        self.mwaa = LocalMwaa(pg_port=self.cluster.port, pg_root=self.cluster.root,
                              emulator_env=self.emulator.env(PRIMARY), port=self.mwaa_port, root=self.root / "mwaa",
                              options={"default_runtime": "airflow", "metrics_period": METRICS_PERIOD,
                                       "unavailable_after": 30, "dag_sync_period": 5, "webserver": "eager"})
        log(f"local MWAA on 127.0.0.1:{self.mwaa_port}")
        self.mwaa.start()
        for key, value in self.client_env().items():
            os.environ[key] = value
        os.environ["MWAA_PLATFORM_STATE"] = str(self.root)

    def down(self) -> None:
        with contextlib.suppress(Exception):
            self.mwaa.stop()
        with contextlib.suppress(Exception):
            self.cluster.stop()
        with contextlib.suppress(Exception):
            self.emulator.stop()


def client(service: str, region: str) -> Any:
    return boto3.session.Session(region_name=region).client(service, config=CLIENT)  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------------------------------
# Terraform
# ---------------------------------------------------------------------------------------------------------------
def drill_vars(region: str, demo: bool = False, strategy: str = "warm_standby",
               airflow_version: str = DEFAULT_AIRFLOW_VERSION, secondary_airflow_version: str | None = None,
               ) -> dict[str, Any]:
    """The drill's overrides of terraform/envs/local.tfvars (a later -var-file wins, variable by variable)."""
    replica_bucket = f"{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}"
    if region == PRIMARY:
        backup_url = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{PRIMARY}/{ENV}"
        key = f"alias/{DR_NAME}-dr-storage"
    else:
        backup_url = f"s3://{replica_bucket}/{ENV}-{SECONDARY}"
        key = f"alias/{DR_NAME}-dr-replica"
    return {
        "dr_mode": strategy,
        # the same environment as local.tfvars, plus the DR DAGs' settings (what dr_environment_settings holds)
        "mwaa": {
            "airflow_version": airflow_version, "endpoint_management": "CUSTOMER",
            # one worker of 5 slots and a parallelism above it: a backlog can wait in the Celery queue (SQS) when
            # the region dies (mwaa_local.dr_drill_inflight)
            "environment_class": ENVIRONMENT_CLASS, "min_workers": 1, "max_workers": 1,
            # a secondary region upgraded before its primary: the failover restores the history forward
            "airflow_version_by_region": {SECONDARY: secondary_airflow_version} if secondary_airflow_version else {},
            "dags_source_dir": "../../dags", "force_destroy_bucket": True,
            "airflow_configuration_options": {
                "mwaa_platform.dr_backup_url": backup_url,
                "mwaa_platform.dr_kms_key_id": key,
                "mwaa_platform.dr_backup_schedule": BACKUP_SCHEDULE,
                "mwaa_platform.dr_full_every_hours": "0",
                "core.parallelism": "16",
            },
        },
        # the drill alone needs neither the pods' cluster nor the SSO load balancer (make demo shows both)
        **({} if demo else {"eks": {"enabled": False}, "sso": {"enabled": False}}),
        # local.tfvars' pipeline would switch the drilled Airflow to the Secrets Manager backend, and its invokers
        # would start runs in the drilled environment: the drill measures DR without them
        "cross_account_data": {"enabled": False},
        "dag_invokers": {"enabled": False},
        "dr": {
            "force_destroy": True, "deletion_protection": False, "access_log_retention_days": 30,
            "log_retention_days": 30,
            "health": {"period_seconds": int(METRICS_PERIOD), "periods": 4, "unhealthy_periods": 3,
                       "grace_seconds": 5},
            "schedule": {"expression": "rate(1 minute)", "enabled": True},
            "timeouts": {"poll": 5, "restore": 600, "lease": 300, "verify": 180, "wait_available": 900},
            # in_flight: the snapshot's queued and running tasks died with the region: the secondary runs them again
            "restore": {"verify_dag_id": WORKLOAD_DAG, "in_flight": "rerun"},
        },
    }


def stage_configuration(out: Path) -> Path:
    """A copy of what scripts/tf.sh needs (terraform/, modules/, dags/, the scripts): the drill's own working tree."""
    import shutil

    root = out / "repo"
    shutil.rmtree(root, ignore_errors=True)
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "__pycache__")
    for name in ("terraform", "modules", "dags"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    (root / "scripts").mkdir(parents=True)
    for name in ("tf.sh", "terraform-cli-config.sh"):
        shutil.copy2(REPO / "scripts" / name, root / "scripts" / name)
    for name in (".venv", "build"):
        (root / name).symlink_to(REPO / name)
    return root


def terraform(stack: Stack, action: str, region: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    var_file = out / f"drill-{region}.tfvars.json"
    var_file.write_text(json.dumps(drill_vars(region, stack.demo, stack.strategy, stack.airflow_version,
                                                  stack.secondary_airflow_version), indent=1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(stack.client_env(region))
    env.update(MWAA_PLATFORM_STATE=str(stack.root), TF_CLI_CONFIG_FILE=str(REPO / ".state" / "terraform.rc"))
    variables = [] if action == "output" else [f"-var-file={var_file}"]
    cmd = [str(out / "repo" / "scripts" / "tf.sh"), action, "platform", ENV, region, "-no-color", *variables, *extra]
    log_path = out / f"terraform-{action}-{region}.log"
    with log_path.open("w") as handle:  # streamed, so a slow apply can be watched
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE if action == "output" else handle,
                              stderr=handle, text=True, timeout=1800, check=False)
    text = log_path.read_text()
    return subprocess.CompletedProcess(cmd, proc.returncode, proc.stdout if action == "output" else text, text)


def outputs(stack: Stack, region: str, out: Path) -> dict[str, Any]:
    result = terraform(stack, "output", region, out, "-json")
    raw = json.loads(result.stdout or "{}")
    return {k: v.get("value") for k, v in raw.items()}


# ---------------------------------------------------------------------------------------------------------------
# Airflow through the MWAA API
# ---------------------------------------------------------------------------------------------------------------
def rest(region: str) -> AirflowRest:
    mwaa = client("mwaa", region)
    env = mwaa.get_environment(Name=ENVIRONMENT)["Environment"]
    return AirflowRest(mwaa, ENVIRONMENT, major_version(env.get("AirflowVersion")))


def environment_db(stack: Stack, region: str) -> str:
    record = stack.root / "mwaa" / "environments" / ACCOUNT_ID / region / f"{ENVIRONMENT}.json"
    return str(json.loads(record.read_text())["_local"]["database"])


def count_rows(stack: Stack, region: str, tables: list[str]) -> dict[str, int]:
    counts = {}
    with contextlib.closing(psycopg2.connect(stack.cluster.dsn(environment_db(stack, region)),
                                             connect_timeout=10)) as conn, conn.cursor() as cur:
        for table in tables:
            cur.execute("SELECT to_regclass(%s)", (table,))
            row = cur.fetchone()
            if row and row[0]:
                cur.execute(f'SELECT count(*) FROM "{table}"')  # table names come from the manifest
                counts[table] = int((cur.fetchone() or [0])[0])
    return counts
