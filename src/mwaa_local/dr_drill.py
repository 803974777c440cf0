"""`make drill`: the DR drill on the embedded default, end to end, with a report.

 1. up        its own emulator, PostgreSQL and local MWAA (state in .state/drill, free ports; nothing shared
              with `make up`), metrics every 10 s
 2. apply     the platform stack in the primary, then the secondary region (scripts/tf.sh, ENV=local) with the
              drill's settings: the strategy, DR settings in each environment, health periods of 10 s
 3. steady    the primary runs a workload DAG and backs up every minute; the secondary is a paused twin (warm
              standby) or only the recovery kit (backup_restore: role, key, security group, endpoint automation);
              backups and DAGs replicate (EMULATED: mwaa_local.replication, moto does not replicate)
 4. kill      SIGKILL of the primary's scheduler (its heartbeat stops: a regional failure)
 5. failover  EventBridge Scheduler -> Step Functions -> the failover Lambdas detect, fence, (backup_restore:
              CreateEnvironment from the stored configuration, wait for AVAILABLE,) restore, unpause, verify,
              notify and release: the drill only watches the state table
 6. verify    rows per table equal to the restored snapshot, the active DAGs unpaused, a new run succeeded
 7. report    detection time, restore time, data-loss window (RPO), RTO; text, JSON and a timeline PNG

Targets (warm standby): detection + restore + unpause <= 120 s after the primary dies; RPO <= backup interval.
backup_restore has no RTO target here (MWAA takes 20-30+ min to create an environment; the local one far less):
its report adds the time from CreateEnvironment to AVAILABLE.
Exit 0 when the failover completed and verified (targets are reported, not enforced), 1 otherwise.

    mwaa-platform drill [--strategy warm_standby|backup_restore] [--demo [--full-outputs]] [--keep] [--out DIR]
                     [--timeout-minutes 15]
    mwaa-platform drill --stop   # stop what a --keep run left running (scripts/drill.py: the same)

--demo (`make demo`): the whole platform of terraform/envs/local.tfvars (EKS included), a clean re-plan of each
region and a summary of what was created (mwaa_platform.demo; every output in .state/demo/outputs-<region>.json)
before the drill itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import click
import psycopg2
from botocore.config import Config
from botocore.exceptions import ClientError

from mwaa_local import ports
from mwaa_local.emulator import ACCOUNT_ID, Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_local.replication import Replicator
from mwaa_platform import versions
from mwaa_platform.failover.airflow import AirflowRest, major_version
from mwaa_platform.failover.config import DR_MODES, FailoverConfig
from mwaa_platform.failover.state import StateStore, initial_document
from mwaa_platform.packaging import build

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
DEFAULT_AIRFLOW_VERSION = "2.10.3"              # make drill AIRFLOW_VERSION=3.2.1 drills Airflow 3
WORKLOAD_RUNS = 2                               # steady state: this many workload runs before a snapshot
ACTIVE_IN_PRIMARY = (WORKLOAD_DAG, "dr_backup")
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
    airflow_version: str = "2.10.3"             # --airflow-version: the primary's (and secondary's) Airflow
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
            "airflow_version": airflow_version, "environment_class": "mw1.micro", "endpoint_management": "CUSTOMER",
            # a secondary region upgraded before its primary: the failover restores the history forward
            "airflow_version_by_region": {SECONDARY: secondary_airflow_version} if secondary_airflow_version else {},
            "dags_source_dir": "../../dags", "force_destroy_bucket": True,
            "airflow_configuration_options": {
                "mwaa_platform.dr_backup_url": backup_url,
                "mwaa_platform.dr_kms_key_id": key,
                "mwaa_platform.dr_backup_schedule": BACKUP_SCHEDULE,
                "mwaa_platform.dr_full_every_hours": "0",
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
            "restore": {"verify_dag_id": WORKLOAD_DAG},
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


# ---------------------------------------------------------------------------------------------------------------
# The drill
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Drill:
    stack: Stack
    out: Path
    timeout: float
    events: dict[str, datetime] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    full_outputs: bool = False                  # --demo --full-outputs: every root output, not only the summary

    def mark(self, name: str, when: datetime | None = None) -> None:
        self.events[name] = when or now()
        log(f"-- {name}")

    def apply(self) -> None:
        package = subprocess.run([sys.executable, str(REPO / "scripts" / "package_lambdas.py"),
                                  str(REPO / "build" / "lambda")], capture_output=True, text=True, timeout=600,
                                 check=False)
        if package.returncode != 0:
            raise RuntimeError(f"packaging failed: {package.stderr[-2000:]}")
        build(REPO / "build" / "lambda" / "failover.zip", ["failover"])
        stage_configuration(self.out)
        for region in (PRIMARY, SECONDARY):
            started = time.monotonic()
            log(f"terraform apply platform in {region} ...")
            result = terraform(self.stack, "apply", region, self.out)
            if result.returncode != 0:
                raise RuntimeError(f"apply in {region} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            self.facts[f"apply_{region}_seconds"] = round(time.monotonic() - started, 1)
        if self.stack.demo:
            self.show_what_was_created()
        self.facts["secondary_outputs"] = outputs(self.stack, SECONDARY, self.out)
        if not self.facts["secondary_outputs"].get("dr_failover_state_machine_arn"):
            raise RuntimeError("the secondary has no failover state machine: is build/lambda/failover.zip there?")
        self.mark("applied")

    def show_what_was_created(self) -> None:
        """`make demo`: each region re-plans clean; what exists (mwaa_platform.demo's summary)."""
        from mwaa_platform import demo

        lines = ["", "demo: what was created"]
        for region in (PRIMARY, SECONDARY):
            replan = terraform(self.stack, "plan", region, self.out, "-detailed-exitcode")
            if replan.returncode != 0:
                raise RuntimeError(f"re-plan of {region} is not clean (exit {replan.returncode}):\n"
                                   f"{replan.stdout[-3000:]}")
            raw = json.loads(terraform(self.stack, "output", region, self.out, "-json").stdout or "{}")
            lines.append(f"{region}: applied in {self.facts[f'apply_{region}_seconds']:.0f}s, re-plan clean")
            lines.extend(demo.summarize(region, raw, demo.write_outputs(region, raw)))
            if self.full_outputs:
                lines.append(demo.full_outputs(region, raw))
        print("\n".join([*lines, ""]), flush=True)

    @property
    def regions_with_environment(self) -> tuple[str, ...]:
        """warm_standby: both regions run the environment; backup_restore: the failover creates the secondary's."""
        return (PRIMARY, SECONDARY) if self.stack.strategy == "warm_standby" else (PRIMARY,)

    def prepare(self) -> None:
        for region in self.regions_with_environment:
            wait_for(f"{ENVIRONMENT} AVAILABLE in {region}", lambda r=region: client("mwaa", r).get_environment(
                Name=ENVIRONMENT)["Environment"]["Status"] == "AVAILABLE", timeout=900, every=5)
            env = client("mwaa", region).get_environment(Name=ENVIRONMENT)["Environment"]
            bucket = env["SourceBucketArn"].split(":::")[-1]
            client("s3", region).put_object(Bucket=bucket, Key=f"{env['DagS3Path'].strip('/')}/drill_workload.py",
                                            Body=WORKLOAD.encode())
        for region in self.regions_with_environment:
            wait_for(f"DAGs parsed in {region}", lambda r=region: all(rest(r).dag(d) for d in (
                WORKLOAD_DAG, "dr_backup", "dr_restore")), timeout=600, every=5)
        primary = rest(PRIMARY)
        for dag_id in ACTIVE_IN_PRIMARY:
            primary.set_paused(dag_id, False)
        if SECONDARY in self.regions_with_environment:
            self.facts["secondary_active_before"] = [d["dag_id"] for d in rest(SECONDARY).dags(paused=False)]
        else:
            self.facts["secondary_environment_before"] = self.secondary_environment_status()
        self.mark("steady_state_started")

    @staticmethod
    def secondary_environment_status() -> str:
        try:
            return str(client("mwaa", SECONDARY).get_environment(Name=ENVIRONMENT)["Environment"]["Status"])
        except ClientError as exc:  # each client() has its own session, hence its own exception classes
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return "absent"
            raise

    def replicate_in_background(self, stop: threading.Event) -> threading.Thread:
        buckets = [f"{DR_NAME}-backup-{ACCOUNT_ID}-{PRIMARY}", f"{DR_NAME}-dags-{ACCOUNT_ID}-{PRIMARY}"]
        replicator = Replicator(state_file=self.stack.root / "replication-state.json")
        copied: list[str] = []
        self.facts["replicated_objects"] = copied
        thread = threading.Thread(target=replicator.watch, args=(3.0, stop, buckets, lambda r: copied.extend(
            r.copied)), name="replication-emulation", daemon=True)
        thread.start()
        return thread

    def snapshots(self, location: str) -> list[dict[str, Any]]:
        bucket, _, prefix = location[5:].partition("/")
        s3 = client("s3", SECONDARY)
        found = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
            for obj in page.get("Contents", []):
                if obj["Key"].endswith("/manifest.json"):
                    doc = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                    found.append(doc)
        return sorted(found, key=lambda d: d.get("created_at", ""))

    def steady(self) -> None:
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        since = self.events["steady_state_started"].isoformat()
        wait_for(f"{WORKLOAD_RUNS} successful workload runs in the primary",
                 lambda: rest(PRIMARY).successful_runs_since(WORKLOAD_DAG, since) >= WORKLOAD_RUNS, timeout=900,
                 every=5)
        after = now().isoformat()
        wait_for("a replicated snapshot taken after them",
                 lambda: any(m.get("created_at", "") > after for m in self.snapshots(replica)), timeout=600, every=5)
        wait_for("a healthy evaluation (configuration stored)", self._config_stored, timeout=300, every=5)
        if self.stack.strategy == "backup_restore":  # the environment a failover creates reads the replica's DAGs
            wait_for("the DAGs replicated to the secondary", self._dags_replicated, timeout=300, every=5)
        self.mark("steady_state_reached")

    def _dags_replicated(self) -> bool:
        env = client("mwaa", PRIMARY).get_environment(Name=ENVIRONMENT)["Environment"]
        prefix = env["DagS3Path"].strip("/")
        s3 = client("s3", SECONDARY)
        for name in (f"{WORKLOAD_DAG}.py", "dr_restore.py", "dr_backup.py"):
            try:
                s3.head_object(Bucket=f"{DR_NAME}-dags-{ACCOUNT_ID}-{SECONDARY}", Key=f"{prefix}/{name}")
            except ClientError:  # not replicated yet (404)
                return False
        return True

    def _config_stored(self) -> bool:
        config = FailoverConfig.from_dict(self.facts["secondary_outputs"]["dr_failover_config"])
        with contextlib.suppress(Exception):
            client("s3", SECONDARY).head_object(Bucket=config.config_bucket, Key=config.stored_config_key)
            return True
        return False

    def diagnose(self) -> dict[str, Any]:
        """On failure: the last executions of the failover state machine and where they ended."""
        arn = (self.facts.get("secondary_outputs") or {}).get("dr_failover_state_machine_arn")
        if not arn:
            return {}
        sfn = client("stepfunctions", SECONDARY)
        found = []
        for execution in sfn.list_executions(stateMachineArn=arn, maxResults=10).get("executions", []):
            desc = sfn.describe_execution(executionArn=execution["executionArn"])
            events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000,
                                               reverseOrder=True).get("events", [])
            entered = next((e["stateEnteredEventDetails"]["name"] for e in events
                            if "stateEnteredEventDetails" in e), None)
            found.append({"name": execution["name"], "status": desc["status"], "last_state": entered,
                          "error": desc.get("error"), "cause": (desc.get("cause") or "")[:500],
                          "output": (desc.get("output") or "")[:1500]})
        return {"executions": found}

    def kill(self) -> None:
        answer = self.stack.mwaa.admin("POST", f"environments/{ACCOUNT_ID}/{PRIMARY}/{ENVIRONMENT}/kill-scheduler")
        if answer.status_code >= 400 or not answer.json().get("killed"):
            raise RuntimeError(f"could not kill the primary scheduler: {answer.text}")
        self.mark("primary_scheduler_killed")

    def watch_failover(self) -> dict[str, Any]:
        config = FailoverConfig.from_dict(self.facts["secondary_outputs"]["dr_failover_config"])
        store = StateStore(client("dynamodb", SECONDARY), config.state_table, config.env,
                           initial_document(config.env, PRIMARY, ENVIRONMENT))

        def finished() -> dict[str, Any] | None:
            doc = store.read().doc
            op = doc.get("operation") or {}
            return doc if op.get("status") in ("completed", "failed") else None

        deadline = time.monotonic() + self.timeout
        doc = None
        while time.monotonic() < deadline and doc is None:
            try:
                doc = finished()
            except Exception as exc:
                log(f"state not readable yet: {exc}")
            if doc is None:
                time.sleep(2)
        if doc is None:
            raise TimeoutError("the failover did not complete in time")
        self.mark(f"failover_observed_{doc['operation']['status']}")
        return doc

    def verify(self, doc: dict[str, Any]) -> dict[str, Any]:
        steps = doc["operation"]["steps"]
        restored = steps.get("start_restore", {}).get("result") or {}
        snapshot_id = restored.get("snapshot_id")
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        manifest = next((m for m in self.snapshots(replica) if m.get("snapshot_id") == snapshot_id), None)
        checks: dict[str, Any] = {"snapshot_id": snapshot_id}
        if manifest is None:
            checks["rows_equal"] = False
            checks["rows_note"] = "the restored snapshot's manifest was not found"
        else:
            expected = {t["name"]: int(t["data"]["rows"]) for t in manifest.get("tables", [])}
            # Tables only the restore writes (the workload updates one Variable key): equal counts expected.
            stable = [t for t in ("variable", "connection", "slot_pool") if t in expected]
            actual = count_rows(self.stack, SECONDARY, stable)
            checks["rows"] = {t: {"snapshot": expected[t], "restored": actual.get(t)} for t in stable}
            # dag_run / task_instance keep growing after the failover: count the rows up to the snapshot
            checks["rows"].update(self._runs_up_to(manifest))
            checks["rows_equal"] = bool(checks["rows"]) and all(
                v["snapshot"] == v["restored"] for v in checks["rows"].values())
            checks["restore_report_tables"] = len(restored.get("tables") or {})
            checks["tables_accounted"] = self._accounted(expected, restored.get("tables") or {})
        fenced = steps.get("fence_primary", {}).get("result") or {}
        active_before = set(fenced.get("active_before") or ACTIVE_IN_PRIMARY)
        active_now = {d["dag_id"] for d in rest(SECONDARY).dags(paused=False)}
        checks["active_dags_unpaused"] = sorted(active_before - active_now) == []
        checks["active_dags"] = {"primary_before": sorted(active_before), "secondary_now": sorted(active_now)}
        verify = steps.get("verify", {}).get("result") or {}
        checks["new_run"] = (verify.get("checks") or {}).get("new_run")
        checks["new_run_succeeded"] = (checks["new_run"] or {}).get("state") == "success"
        checks["fencing"] = fenced.get("result")
        checks["primary_paused_after_fencing"] = sorted(
            d["dag_id"] for d in rest(PRIMARY).dags(paused=True) if d["dag_id"] in ACTIVE_IN_PRIMARY)
        self.mark("verified")
        return checks

    @staticmethod
    def _accounted(expected: dict[str, int], tables: dict[str, Any]) -> dict[str, Any]:
        """Every table of the snapshot, per the restore's own report: each snapshot row was inserted, replaced,
        found unchanged or kept (target-owned); the rest (conflicts, orphans) are listed. Informational: the live
        tables keep changing once the restored environment runs, so only the stable ones are compared in the DB."""
        kept = ("inserted", "replaced", "unchanged", "skipped_existing")
        mismatched = {}
        for name, rows in sorted(expected.items()):
            info = tables.get(name) or {}
            landed = sum(int(info.get(k) or 0) for k in kept)
            if info.get("state") not in (None, "success", "absent") or (rows and landed != rows):
                mismatched[name] = {"snapshot": rows, "landed": landed, **info}
        return {"tables": len(expected), "all_rows_landed": not mismatched, "mismatched": mismatched}

    def _runs_up_to(self, manifest: dict[str, Any]) -> dict[str, dict[str, int | None]]:
        """dag_run and task_instance rows restored from the snapshot: the secondary's rows of runs queued up to the
        snapshot's consistent point (runs started after the failover come later), against the manifest's counts."""
        expected = {t["name"]: int(t["data"]["rows"]) for t in manifest.get("tables", [])}
        cut = manifest.get("created_at")
        result: dict[str, dict[str, int | None]] = {}
        with contextlib.closing(psycopg2.connect(self.stack.cluster.dsn(environment_db(self.stack, SECONDARY)),
                                                 connect_timeout=10)) as conn, conn.cursor() as cur:
            # Airflow 3 renamed dag_run.execution_date to logical_date (the secondary may run either major)
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'dag_run' "
                        "AND column_name IN ('execution_date', 'logical_date')")
            date_column = "execution_date" if "execution_date" in {r[0] for r in cur.fetchall()} else "logical_date"
            sql = {
                "dag_run": "SELECT count(*) FROM dag_run WHERE queued_at <= %s OR (queued_at IS NULL AND "
                           f"{date_column} <= %s)",
                "task_instance": "SELECT count(*) FROM task_instance ti JOIN dag_run dr ON dr.dag_id = ti.dag_id "
                                 "AND dr.run_id = ti.run_id WHERE dr.queued_at <= %s OR (dr.queued_at IS NULL AND "
                                 f"dr.{date_column} <= %s)",
            }
            for table, query in sql.items():
                if table not in expected:
                    continue
                cur.execute(query, (cut, cut))
                result[table] = {"snapshot": expected[table], "restored": int((cur.fetchone() or [0])[0])}
        return result

    def runbook_status(self) -> dict[str, Any]:
        """What the on-call engineer sees afterwards: `mwaa-platform failover status` (the runbook CLI)."""
        cmd = [sys.executable, "-m", "mwaa_platform.cli", "failover", "status", "--env", ENV,
               "--secondary-region", SECONDARY, "--json"]
        env = {**os.environ, **self.stack.client_env(SECONDARY)}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
        log(f"$ mwaa-platform failover status --env {ENV} --secondary-region {SECONDARY} --json: exit "
            f"{done.returncode}")
        try:
            status: dict[str, Any] = json.loads(done.stdout)
        except ValueError:
            return {"exit": done.returncode, "error": (done.stderr or done.stdout)[-1000:]}
        return {"exit": done.returncode, "active_region": status.get("active_region"),
                "operation": (status.get("operation") or {}).get("status"),
                "health": (status.get("health") or {}).get("summary") or status.get("health")}

    def timeline(self, doc: dict[str, Any]) -> dict[str, Any]:
        killed = self.events["primary_scheduler_killed"]
        op = doc["operation"]
        steps = op["steps"]

        def at(step: str, key: str) -> datetime | None:
            value = (steps.get(step) or {}).get(key)
            return datetime.fromisoformat(value) if value else None

        def since_kill(when: datetime | None) -> float | None:
            return round((when - killed).total_seconds(), 1) if when else None

        bars = {}
        for name in steps:
            start, end = at(name, "started_at"), at(name, "finished_at")
            bars[name] = {"start": since_kill(start), "end": since_kill(end)}
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        restored_id = (steps.get("start_restore", {}).get("result") or {}).get("snapshot_id")
        manifest = next((m for m in self.snapshots(replica) if m.get("snapshot_id") == restored_id), {})
        snapshot_at = datetime.fromisoformat(manifest["created_at"].replace("Z", "+00:00")) \
            if manifest.get("created_at") else None
        detection = at("evaluate_health", "finished_at")
        created_start, available = at("create_environment", "started_at"), at("wait_available", "finished_at")
        restore_start, restore_end = at("start_restore", "started_at"), at("start_restore", "finished_at")
        unpaused, released = at("unpause", "finished_at"), at("release", "finished_at")
        metrics = {
            "detection_seconds": since_kill(detection),
            "restore_seconds": round((restore_end - restore_start).total_seconds(), 1)
            if restore_start and restore_end else None,
            "create_seconds": round((available - created_start).total_seconds(), 1)
            if created_start and available else None,  # backup_restore: CreateEnvironment to AVAILABLE
            "rto_seconds": since_kill(unpaused),   # detection + fencing + (create +) restore + unpause
            "rto_total_seconds": since_kill(released),
            "rpo_seconds": round((killed - snapshot_at).total_seconds(), 1) if snapshot_at else None,
            "backup_interval_seconds": BACKUP_INTERVAL_SECONDS,
            "target_rto_seconds": target_rto(self.stack.strategy),
        }
        target = metrics["target_rto_seconds"]
        metrics["rto_target_met"] = None if target is None else (
            metrics["rto_seconds"] is not None and metrics["rto_seconds"] <= target)
        metrics["rpo_target_met"] = metrics["rpo_seconds"] is not None and \
            metrics["rpo_seconds"] <= BACKUP_INTERVAL_SECONDS
        return {"killed_at": killed.isoformat(), "snapshot_consistent_at": snapshot_at.isoformat()
                if snapshot_at else None, "operation": op.get("id"), "steps": bars, "metrics": metrics,
                "health_evidence": (steps.get("evaluate_health", {}).get("result") or {}).get("summary")}


def target_rto(strategy: str) -> int | None:
    """The drill's RTO target: warm standby only (backup_restore's is dominated by MWAA's environment creation)."""
    return TARGET_RTO_SECONDS if strategy == "warm_standby" else None


def draw(timeline: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = timeline["metrics"]
    steps = [(n, b) for n, b in timeline["steps"].items() if b["start"] is not None]
    steps.sort(key=lambda item: item[1]["start"])
    if metrics.get("detection_seconds") is not None:  # heartbeats missing until N of M periods and a schedule tick
        steps.insert(0, ("(evidence accumulating)", {"start": 0.0, "end": metrics["detection_seconds"]}))
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(steps) + 2.2))
    for row, (name, bar) in enumerate(steps):
        end = bar["end"] if bar["end"] is not None else bar["start"]
        color = "#CCCCCC" if name.startswith("(") else "#4C72B0"
        ax.broken_barh([(bar["start"], max(0.5, end - bar["start"]))], (row - 0.35, 0.7), color=color)
        ax.text(end + 1, row, f"{end - bar['start']:.1f}s", va="center", fontsize=8)
    ax.axvline(0, color="#C44E52", lw=2)
    ax.text(0, len(steps) - 0.3, " primary scheduler killed", color="#C44E52", fontsize=9)
    if metrics.get("rpo_seconds") is not None:
        ax.axvline(-metrics["rpo_seconds"], color="#8172B2", ls="--")
        ax.text(-metrics["rpo_seconds"], -0.9, " last replicated snapshot", color="#8172B2", fontsize=8)
    target = metrics.get("target_rto_seconds")
    if target is not None:
        ax.axvline(target, color="#55A868", ls=":")
        ax.text(target, len(steps) - 0.3, f" {target}s target", color="#55A868", fontsize=8)
    ax.set_yticks(range(len(steps)))
    ax.set_yticklabels([n for n, _ in steps])
    ax.set_xlabel("seconds since the primary's scheduler died")
    ax.set_title(f"DR drill: detection {metrics.get('detection_seconds')}s, restore {metrics.get('restore_seconds')}s, "
                 f"RTO {metrics.get('rto_seconds')}s, RPO {metrics.get('rpo_seconds')}s")
    ax.set_ylim(-1.3, len(steps))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render_text(report: dict[str, Any]) -> str:
    t = report.get("timeline") or {}
    m = t.get("metrics") or {}
    v = report.get("verification") or {}
    target = m.get("target_rto_seconds")
    verdict = "no target for backup_restore" if target is None else \
        f"target {target} s: {'met' if m.get('rto_target_met') else 'NOT met'}"
    lines = [
        "DR drill report (embedded default: emulator + local MWAA; replication EMULATED)",
        f"  strategy:            {report.get('strategy')}",
        f"  Airflow:             primary {(report.get('airflow') or {}).get('primary')}, "
        f"secondary {(report.get('airflow') or {}).get('secondary')}",
        f"  result:              {report['result']}",
        f"  operation:           {t.get('operation')}",
        f"  health evidence:     {t.get('health_evidence')}",
        f"  detection:           {m.get('detection_seconds')} s after the scheduler died",
        *([f"  create environment:  {m.get('create_seconds')} s (CreateEnvironment to AVAILABLE)"]
          if report.get("strategy") == "backup_restore" else []),
        f"  restore:             {m.get('restore_seconds')} s",
        f"  RTO (detect+{'create+' if report.get('strategy') == 'backup_restore' else ''}restore+unpause): "
        f"{m.get('rto_seconds')} s ({verdict})",
        f"  RTO total (to release): {m.get('rto_total_seconds')} s",
        f"  RPO (data-loss window): {m.get('rpo_seconds')} s (backup interval {BACKUP_INTERVAL_SECONDS} s: "
        f"{'met' if m.get('rpo_target_met') else 'NOT met'})",
        f"  fencing:             {v.get('fencing')} (primary DAGs paused: {v.get('primary_paused_after_fencing')})",
        f"  rows equal to the snapshot: {v.get('rows_equal')} {json.dumps(v.get('rows'))}",
        f"  restore report, every snapshot table: {json.dumps(v.get('tables_accounted'), default=str)[:400]}",
        f"  active DAGs unpaused: {v.get('active_dags_unpaused')} {json.dumps(v.get('active_dags'))}",
        f"  new run succeeded:   {v.get('new_run_succeeded')} {json.dumps(v.get('new_run'))}",
        f"  runbook status:      {json.dumps(report.get('runbook_status'), default=str)[:300]}",
        "  steps (seconds since the kill): " + ", ".join(
            f"{n} {b['start']}..{b['end']}" for n, b in (t.get("steps") or {}).items()),
    ]
    if report.get("error"):
        lines.append(f"  error: {report['error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mwaa-platform drill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / ".state" / "drill", help="state and report directory")
    parser.add_argument("--keep", action="store_true", help="leave the embedded default running afterwards")
    parser.add_argument("--timeout-minutes", type=float, default=15.0, help="for the failover to complete")
    parser.add_argument("--demo", action="store_true", help="the whole local platform, re-plans and a summary first")
    parser.add_argument("--strategy", choices=DR_MODES, default="warm_standby",
                        help="dr_mode of the platform: a paused twin in the secondary, or one created on failover")
    parser.add_argument("--airflow-version", default=os.environ.get("AIRFLOW_VERSION") or DEFAULT_AIRFLOW_VERSION,
                        choices=versions.runnable(), help="Airflow version of the drilled environments")
    parser.add_argument("--secondary-airflow-version", default=os.environ.get("SECONDARY_AIRFLOW_VERSION") or None,
                        choices=versions.runnable(),
                        help="the secondary's Airflow when it runs a newer one than the primary (a region upgraded "
                             "first): the failover restores the primary's history across versions")
    parser.add_argument("--stop", action="store_true", help="only stop what a --keep run left running")
    parser.add_argument("--full-outputs", action="store_true",
                        help="--demo: print every root output (always written to .state/demo/outputs-<region>.json)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out.exists():  # a previous drill (killed, or --keep): stop what it started, then start from empty state
        stale = Stack(out)
        with contextlib.suppress(Exception):
            LocalMwaa(pg_port=0, pg_root=out / "pg", emulator_env={}, root=out / "mwaa").stop()
        stale.down()
        if args.stop:
            log(f"stopped what a previous drill left running in {out} (its report stays)")
            return 0
        import shutil

        Cluster(out / "pg", 0).remove()  # with its data directory, wherever it lives
        for leftover in ("emulator", "mwaa", "repo"):
            shutil.rmtree(out / leftover, ignore_errors=True)
        for pattern in ("*.json", "*.log", "*.png", "*.txt", "*.env"):
            for path in out.glob(pattern):
                path.unlink(missing_ok=True)
    if args.stop:
        return 0
    out.mkdir(parents=True, exist_ok=True)
    secondary_version = args.secondary_airflow_version
    if secondary_version and versions.parse(secondary_version) < versions.parse(args.airflow_version):
        parser.error(f"--secondary-airflow-version {secondary_version} is older than --airflow-version "
                     f"{args.airflow_version}: a restore only goes forward")
    stack = Stack(out, demo=args.demo, strategy=args.strategy, airflow_version=args.airflow_version,
                  secondary_airflow_version=secondary_version)
    drill = Drill(stack, out, args.timeout_minutes * 60, full_outputs=args.full_outputs)
    report: dict[str, Any] = {"result": "incomplete", "strategy": args.strategy, "started_at": now().isoformat(),
                              "airflow": {"primary": args.airflow_version,
                                          "secondary": secondary_version or args.airflow_version}}
    stop = threading.Event()
    try:
        stack.up()
        drill.mark("up")
        drill.apply()
        drill.prepare()
        drill.replicate_in_background(stop)
        drill.steady()
        drill.kill()
        doc = drill.watch_failover()
        report["timeline"] = drill.timeline(doc)
        op = doc["operation"]
        if op["status"] == "failed":
            step = op.get("failed_step")
            raise RuntimeError(f"the failover failed at {step}: {(op['steps'].get(step) or {}).get('error')}")
        report["verification"] = drill.verify(doc)
        verified = report["verification"]
        ok = verified["active_dags_unpaused"] and verified["new_run_succeeded"] and verified["rows_equal"]
        report["result"] = "failover completed and verified" if ok else "failover completed, verification FAILED"
        report["state"] = {"active_region": doc.get("active_region"), "history": doc.get("history", [])[-12:]}
        report["runbook_status"] = drill.runbook_status()
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["result"] = "FAILED"
        with contextlib.suppress(Exception):
            report["diagnosis"] = drill.diagnose()
    finally:
        stop.set()
        report["facts"] = {k: v for k, v in drill.facts.items() if k != "secondary_outputs"}
        report["replicated_objects"] = len(drill.facts.get("replicated_objects", []))
        report["events"] = {k: v.isoformat() for k, v in drill.events.items()}
        report["emulated"] = ["S3 cross-region replication (mwaa_local.replication)",
                              f"MWAA (mwaa_local.mwaa: real Airflow {args.airflow_version}"
                              + (f", secondary {secondary_version}" if secondary_version else "") + " on PostgreSQL)",
                              "AWS APIs (moto 5.2.5 + mwaa_local.aws_emulator fixes)"]
        (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
        if report.get("timeline"):
            with contextlib.suppress(Exception):
                draw(report["timeline"], out / "timeline.png")
        print(render_text(report))
        print(f"report: {out / 'report.json'}  timeline: {out / 'timeline.png'}")
        if args.keep:
            print(f"the drill's embedded default is still running (env: {out / 'client.env'}); "
                  "`mwaa-platform drill --stop` (or `make down`) ends it")
            (out / "client.env").write_text("".join(f"export {k}={v}\n" for k, v in stack.client_env().items()))
        else:
            stack.down()
            print("the drill stopped its embedded default (emulator, PostgreSQL, local MWAA); nothing is left running")
    return 0 if report["result"] == "failover completed and verified" else 1


# `mwaa-platform drill ...`: the same arguments as this module's argparse parser (its --help too)
@click.command("drill", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                           "help_option_names": []}, add_help_option=False)
@click.pass_context
def command(ctx: click.Context) -> None:
    sys.exit(main(list(ctx.args)))


if __name__ == "__main__":
    raise SystemExit(main())
