"""The upgrade drill (``make upgrade-drill``): real upgrades on its own embedded default, measured and verified.

Per scenario (default: 2.10.3 -> 3.2.1 blue-green, 2.11.0 -> 3.2.1 in place): an environment on FROM with
a workload DAG (mapped tasks, XComs, a deferred task on the triggerer), a DAG whose run is in flight at the
cut-over, the DR backup/restore DAGs and a DR location; ``upgrade check`` on the environment's own files; a
snapshot and ``upgrade rehearse`` (a throwaway copy on TO, the migration timed); ``upgrade execute`` with the
scenario's strategy; then the evidence: the version, the runs carried, the rows per table before and after
(and the tables Airflow's migrations added or dropped), exactly the active DAGs active (and, blue-green, the old
environment fenced), a new run, the downtime (last task finished on FROM to first task started on TO) and what
became of the in-flight run; then ``upgrade rollback`` and its evidence (FROM runs its DAGs again, the other
side has nothing active). Writes ``upgrade-report.json``, ``upgrade-report.txt`` and ``upgrade-timeline.png``.
The infrastructure is created with boto3 in the emulator (no Terraform: the drill is about the upgrade).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_local.upgrade_drill_report import draw, render_text
from mwaa_platform import aws, versions
from mwaa_platform.failover.airflow import AirflowRest, major_version
from mwaa_platform.failover.state import now_iso
from mwaa_platform.upgrade import inputs
from mwaa_platform.upgrade.check import check
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.rehearse import rehearse
from mwaa_platform.upgrade.runbook import Runbook

REGION = "us-east-1"
WORKLOAD = "upgrade_workload"
DEFAULT_SCENARIOS = (("2.10.3", "3.2.1"), ("2.11.0", "3.2.1"))
INFLIGHT = "upgrade_inflight"
DR_DAGS = ("dr_backup", "dr_restore")
INFLIGHT_SECONDS = 45
WORKLOAD_DAG = '''"""Upgrade drill workload: mapped tasks, XComs, a deferred task (the triggerer); Airflow 2 and 3."""
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
    from airflow.sdk import DAG, task

    def deferred(task_id):
        return TimeDeltaSensor(task_id=task_id, delta=timedelta(seconds=1), deferrable=True)
except ImportError:  # Airflow 2 (this branch never runs on 3.x)
    from airflow import DAG
    from airflow.decorators import task
    from airflow.sensors.time_delta import TimeDeltaSensorAsync  # noqa: AIR302

    def deferred(task_id):
        return TimeDeltaSensorAsync(task_id=task_id, delta=timedelta(seconds=1))

with DAG(dag_id="upgrade_workload", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         catchup=False, tags=["drill"]) as dag:

    @task
    def numbers():
        return [1, 2, 3]

    @task
    def square(n):
        return n * n

    @task
    def work(squares, **context):
        return {"run": context["run_id"], "sum": sum(squares)}

    squares = square.expand(n=numbers())
    deferred("wait_on_triggerer") >> squares
    work(squares)
'''
INFLIGHT_DAG = '''"""Upgrade drill: a run that is still running when the upgrade cuts over (one retry)."""
import time
from datetime import timedelta

import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task

with DAG(dag_id="upgrade_inflight", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         catchup=False, tags=["drill"]) as dag:

    @task(retries=1, retry_delay=timedelta(seconds=1))
    def long_task():
        time.sleep(SECONDS)
        return "finished"

    long_task()
'''.replace("SECONDS", str(INFLIGHT_SECONDS))


def log(message: str) -> None:
    print(f"{datetime.now().strftime('%H:%M:%S')} {message}", flush=True)


@dataclass
class Stack:
    """The drill's own emulator, PostgreSQL and local MWAA (real Airflow), on free loopback ports."""

    root: Path
    emulator: Emulator = field(init=False)
    cluster: Cluster = field(init=False)
    mwaa: LocalMwaa = field(init=False)

    def up(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.emulator = Emulator(port=ports.free_port(), root=self.root / "emulator")
        self.cluster = Cluster(self.root / "pg", ports.free_port())
        port = ports.free_port()
        self.emulator.start()
        self.cluster.start()
        self.mwaa = LocalMwaa(pg_port=self.cluster.port, pg_root=self.cluster.root,
                              emulator_env=self.emulator.env(REGION), port=port, root=self.root / "mwaa",
                              options={"default_runtime": "airflow", "dag_sync_period": 5, "triggerer": True})
        self.mwaa.start()
        os.environ.update({**self.emulator.env(REGION), **mwaa_env(port)})
        log(f"embedded default up: emulator {self.emulator.endpoint}, PostgreSQL {self.cluster.port}, MWAA {port}")

    def down(self) -> None:
        for part in ("mwaa", "cluster", "emulator"):
            with contextlib.suppress(Exception):
                getattr(self, part).stop()


def infrastructure(prefix: str) -> dict[str, Any]:
    """VPC, two subnets, a security group, an execution role, the DAG bucket, a KMS key, the state table."""
    ec2, iam, s3 = aws.client("ec2", REGION), aws.client("iam", REGION), aws.client("s3", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    group = ec2.create_security_group(GroupName=f"{prefix}-mwaa", Description="mwaa", VpcId=vpc)["GroupId"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "airflow.amazonaws.com"}}]}
    role = iam.create_role(RoleName=f"{prefix}-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    bucket = f"{prefix}-src"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    key = aws.client("kms", REGION).create_key(Description="upgrade drill")["KeyMetadata"]["KeyId"]
    table = f"{prefix}-upgrade-state"
    aws.client("dynamodb", REGION).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "env", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "env", "AttributeType": "S"}])
    return {"subnets": subnets, "group": group, "role": role, "bucket": bucket, "key": key, "table": table}


def upload_dags(bucket: str, prefix: str, repo: Path) -> None:
    s3 = aws.client("s3", REGION)
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{WORKLOAD}.py", Body=WORKLOAD_DAG.encode())
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{INFLIGHT}.py", Body=INFLIGHT_DAG.encode())
    for name in ("dr_backup.py", "dr_restore.py"):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=(repo / "dags" / name).read_bytes())


def wait_for(what: str, predicate: Any, timeout: float, every: float = 3.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {int(timeout)}s")
        time.sleep(every)


def rest_of(name: str) -> AirflowRest:
    mwaa = aws.client("mwaa", REGION, read_timeout=300)
    version = mwaa.get_environment(Name=name)["Environment"]["AirflowVersion"]
    return AirflowRest(mwaa, name, major_version(version))


def run_dag(name: str, dag_id: str, run_id: str) -> str:
    """One run to its end; on Airflow 3 with a logical date, so that a rollback to 2.x keeps it."""
    rest = rest_of(name)
    rest.trigger(dag_id, run_id, {}, logical_date=now_iso())

    def finished() -> str | None:
        got = (rest.run(dag_id, run_id) or {}).get("state")
        return str(got) if got in ("success", "failed") else None

    return str(wait_for(f"{dag_id} {run_id} in {name}", finished, 600))


def run_workload(name: str, run_id: str) -> str:
    return run_dag(name, WORKLOAD, run_id)


# ---------------------------------------------------------------------------------------------------------------
# The evidence read straight from the environments' metadata databases (the drill owns the embedded default)
# ---------------------------------------------------------------------------------------------------------------
def database_of(stack: Stack, name: str) -> str:
    records = list((stack.root / "mwaa" / "environments").glob(f"*/{REGION}/{name}.json"))
    if not records:
        raise RuntimeError(f"no local MWAA record for {name}")
    return str(json.loads(records[0].read_text())["_local"]["database"])


def query(stack: Stack, name: str, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg2  # the drill's own dependency (the metadata engine's driver)

    dsn = stack.cluster.dsn(database_of(stack, name))
    with contextlib.closing(psycopg2.connect(dsn, connect_timeout=10)) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def rows_per_table(stack: Stack, name: str) -> dict[str, int]:
    """Exact row counts of every table of the environment's metadata database (Airflow's schema, ``public``);
    in tables with a ``dag_id`` column, the rows of the DR DAGs are left out (a snapshot never carries their own
    runs, and the upgrade itself runs them)."""
    tables = [r[0] for r in query(stack, name, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                "ORDER BY tablename")]
    if not tables:
        return {}
    with_dag_id = {r[0] for r in query(stack, name, "SELECT table_name FROM information_schema.columns "
                                                    "WHERE table_schema = 'public' AND column_name = 'dag_id'")}
    dr = ", ".join(f"'{d}'" for d in DR_DAGS)
    union = " UNION ALL ".join(  # table names come from the catalog
        f"SELECT '{t}', count(*) FROM public.\"{t}\"" + (f" WHERE dag_id NOT IN ({dr})" if t in with_dag_id else "")
        for t in tables)
    return {str(t): int(n) for t, n in query(stack, name, union)}


def carried(before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
    """Rows per table before and after, and the tables only one side has (what Airflow's migrations did)."""
    common = sorted(set(before) & set(after))
    return {"tables": {t: [before[t], after[t]] for t in common},
            "fewer_rows": {t: [before[t], after[t]] for t in common if after[t] < before[t]},
            "only_before": sorted(set(before) - set(after)), "only_after": sorted(set(after) - set(before))}


def last_task_end(stack: Stack, name: str, until: float | None = None) -> float | None:
    """When the last task of the workload DAGs finished in ``name`` (before ``until``)."""
    sql = ("SELECT extract(epoch FROM max(end_date)) FROM task_instance WHERE dag_id <> ALL(%s) "
           "AND end_date IS NOT NULL" + (" AND end_date <= to_timestamp(%s)" if until else ""))
    got = query(stack, name, sql, (list(DR_DAGS), until) if until else (list(DR_DAGS),))
    return float(got[0][0]) if got and got[0][0] is not None else None


def first_task_start(stack: Stack, name: str, since: float) -> float | None:
    """When the first task of the workload DAGs started in ``name`` after ``since``."""
    got = query(stack, name, "SELECT extract(epoch FROM min(start_date)) FROM task_instance WHERE dag_id <> ALL(%s) "
                             "AND start_date >= to_timestamp(%s)", (list(DR_DAGS), since))
    return float(got[0][0]) if got and got[0][0] is not None else None


def inflight_state(stack: Stack, name: str) -> dict[str, Any]:
    rows = query(stack, name, "SELECT dr.state, ti.state, ti.try_number FROM dag_run dr JOIN task_instance ti "
                              "ON ti.dag_id = dr.dag_id AND ti.run_id = dr.run_id WHERE dr.dag_id = %s "
                              "AND dr.run_id = 'inflight-0'", (INFLIGHT,))
    if not rows:
        return {"run": None}
    run, ti, tries = rows[0]
    return {"run": run, "task": ti, "try_number": tries}


def step_time(steps: dict[str, Any], name: str, edge: str) -> float | None:
    stamp = (steps.get(name) or {}).get(edge)
    return datetime.fromisoformat(stamp).timestamp() if stamp else None


# ---------------------------------------------------------------------------------------------------------------
# One scenario
# ---------------------------------------------------------------------------------------------------------------
def start_inflight(name: str) -> dict[str, Any]:
    """Start the long run and return once its task is running (it is in flight when the upgrade cuts over)."""
    rest = rest_of(name)
    rest.set_paused(INFLIGHT, False)
    rest.trigger(INFLIGHT, "inflight-0", {}, logical_date=now_iso())

    def running() -> dict[str, Any] | None:
        got = rest.ok("GET", f"/dags/{INFLIGHT}/dagRuns/inflight-0/taskInstances") or {}
        states = {t.get("task_id"): t.get("state") for t in got.get("task_instances") or []}
        return states if states.get("long_task") == "running" else None

    return {"at_cutover": wait_for("the in-flight task running", running, 300, every=1.0)}


def scenario(stack: Stack, current: str, target: str, infra: dict[str, Any], repo: Path,
             rehearse_first: bool = True) -> dict[str, Any]:
    strategy = "in_place" if versions.change_path(current, target) == "in_place" else "blue_green"
    name = f"drill-{current.replace('.', '')}-{uuid.uuid4().hex[:4]}"
    prefix = f"dags-{name}"
    upload_dags(infra["bucket"], prefix, repo)
    mwaa = aws.client("mwaa", REGION, read_timeout=300)
    report: dict[str, Any] = {"from": current, "to": target, "strategy": strategy, "environment": name}
    marks: dict[str, float] = {"start": time.time()}
    report["marks"] = marks
    options = {"mwaa_platform.dr_backup_url": f"s3://{infra['bucket']}/dr/{name}",
               "mwaa_platform.dr_kms_key_id": infra["key"], "mwaa_platform.dr_backup_schedule": "@once",
               "mwaa_platform.dr_full_every_hours": "0"}
    log(f"{name}: CreateEnvironment on Airflow {current}")
    mwaa.create_environment(Name=name, AirflowVersion=current, ExecutionRoleArn=infra["role"],
                            SourceBucketArn=f"arn:aws:s3:::{infra['bucket']}", DagS3Path=prefix,
                            NetworkConfiguration={"SubnetIds": infra["subnets"], "SecurityGroupIds": [infra["group"]]},
                            AirflowConfigurationOptions=options,
                            Tags={"mwaa-local:runtime": "airflow"})
    wait_for(f"{name} AVAILABLE", lambda: mwaa.get_environment(Name=name)["Environment"]["Status"] == "AVAILABLE",
             900)
    marks["available"] = time.time()
    rest = rest_of(name)
    wait_for("workload parsed", lambda: rest.dag(WORKLOAD) and rest.dag(INFLIGHT), 600)
    rest.set_paused(WORKLOAD, False)
    report["runs_before"] = [run_workload(name, f"before-{i}") for i in range(2)]
    log(f"{name}: upgrade check to {target}")
    with inputs.temporary_workdir() as work:
        env = mwaa.get_environment(Name=name)["Environment"]
        checked = check(name, current, target, inputs.from_environment(env, Path(work), REGION))
    report["check"] = checked.to_dict()
    config = UpgradeConfig(environment=name, region=REGION, state_table=infra["table"], target=target,
                           strategy=strategy, canary_dag_id=WORKLOAD, poll_seconds=3)  # type: ignore[arg-type]
    if rehearse_first:
        log(f"{name}: a snapshot, then upgrade rehearse to {target}")
        backup = rest.dag("dr_backup") or {}
        rest.set_paused("dr_backup", False)
        report["backup_before_rehearsal"] = run_dag(name, "dr_backup", "before-rehearsal")
        if backup.get("is_paused", True):
            rest.set_paused("dr_backup", True)
        marks["rehearse"] = time.time()
        report["rehearse"] = rehearse(config, WORKLOAD, progress=lambda e: log(
            f"  rehearse {e.get('event')} {e.get('step')} {e.get('status', '')} {e.get('seconds', '')}"))
    log(f"{name}: a run in flight, then upgrade execute --strategy {strategy}")
    report["inflight"] = start_inflight(name)
    report["rows_before"] = rows_per_table(stack, name)
    marks["execute"] = time.time()
    book = Runbook(config, lambda event: log(f"  {event.get('event')} {event.get('step')} "
                                             f"{event.get('status', '')} {event.get('seconds', '')}"))
    try:
        report["result"] = book.execute()
        report["ok"] = True
    except Exception as exc:
        report.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    marks["done"] = time.time()
    report["status"] = book.status()
    report["steps"] = book.store().read().doc["operation"].get("steps", {})
    if report["ok"]:
        new = config.new_environment if strategy == "blue_green" else name
        report["verification"] = verify(stack, name, new, strategy, report)
        report["rollback"] = roll_back(config, current, name, new, strategy, marks)
    return report


def verify(stack: Stack, old: str, new: str, strategy: str, report: dict[str, Any]) -> dict[str, Any]:
    rest = rest_of(new)
    runs = {f"before-{i}": (rest.run(WORKLOAD, f"before-{i}") or {}).get("state") for i in range(2)}
    out: dict[str, Any] = {"runs_carried": runs, "active": sorted(d["dag_id"] for d in rest.dags(paused=False)),
                           "new_run": run_workload(new, "after-upgrade")}
    after = rows_per_table(stack, new)
    out["rows"] = carried(report["rows_before"], after)
    # downtime: the last workload task that finished on FROM to the first one that started on TO
    steps, marks = report["steps"], report["marks"]
    cut = step_time(steps, "update_version", "started_at") if strategy == "in_place" else None
    since = cut if cut else (step_time(steps, "create_environment", "started_at") or marks["execute"])
    ended = last_task_end(stack, old, until=cut)
    started = first_task_start(stack, new, since)
    out["downtime_seconds"] = round(started - ended, 1) if ended and started else None
    # the in-flight run: wait (bounded) for it to settle where the environment now runs
    def settled() -> dict[str, Any] | None:
        got = inflight_state(stack, new)
        return got if got.get("run") in ("success", "failed") else None

    try:
        report["inflight"]["after"] = wait_for("the in-flight run settled", settled, 420, every=5.0)
    except TimeoutError:
        report["inflight"]["after"] = {**inflight_state(stack, new), "settled": False}
    if strategy == "blue_green":
        report["inflight"]["old_environment"] = inflight_state(stack, old)
        out["old_active"] = sorted(d["dag_id"] for d in rest_of(old).dags(paused=False))
    lost = {t: v for t, v in out["rows"]["fewer_rows"].items() if t in ("dag_run", "task_instance", "xcom")}
    out["ok"] = (all(v == "success" for v in runs.values()) and WORKLOAD in out["active"]
                 and out["new_run"] == "success" and not out.get("old_active") and not lost)
    return out


def roll_back(config: UpgradeConfig, current: str, old: str, new: str, strategy: str,
              marks: dict[str, float]) -> dict[str, Any]:
    """``upgrade rollback``: FROM runs its DAGs again (a new run succeeds) and nothing is active on the other side."""
    log(f"{old}: upgrade rollback ({strategy})")
    marks["rollback"] = time.time()
    book = Runbook(config, lambda event: log(f"  rollback {event.get('event')} {event.get('step')} "
                                             f"{event.get('status', '')} {event.get('seconds', '')}"))
    out: dict[str, Any] = {}
    try:
        out["result"] = book.rollback()
    except Exception as exc:
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    marks["rolled_back"] = time.time()
    out["steps"] = book.store().read().doc["operation"].get("steps", {})
    out["seconds"] = round(marks["rolled_back"] - marks["rollback"], 1)
    if "error" in out:
        return out
    mwaa = aws.client("mwaa", REGION)
    rest = rest_of(old)
    out["version"] = mwaa.get_environment(Name=old)["Environment"]["AirflowVersion"]
    out["runs"] = {r: (rest.run(WORKLOAD, r) or {}).get("state") for r in ("before-0", "before-1", "after-upgrade")}
    out["active"] = sorted(d["dag_id"] for d in rest.dags(paused=False))
    out["new_run"] = run_workload(old, "after-rollback")
    if strategy == "blue_green":
        out["other_active"] = sorted(d["dag_id"] for d in rest_of(new).dags(paused=False))
    out["ok"] = (out["version"] == current and out["new_run"] == "success"
                 and out["runs"]["before-0"] == "success" and out["runs"]["before-1"] == "success"
                 and WORKLOAD in out["active"] and not out.get("other_active"))
    return out


def main(out: Path, scenarios: list[tuple[str, str]], keep: bool = False) -> int:
    repo = Path(__file__).resolve().parents[2]
    out.mkdir(parents=True, exist_ok=True)
    stack = Stack(out / "stack")
    reports: list[dict[str, Any]] = []
    try:
        stack.up()  # Airflow runtimes stay shared in <state>/airflow (MWAA_PLATFORM_STATE is left alone)
        infra = infrastructure(f"upg{uuid.uuid4().hex[:6]}")
        for current, target in scenarios:
            try:
                reports.append(scenario(stack, current, target, infra, repo))
            except Exception as exc:  # the report says which scenario could not even start
                reports.append({"from": current, "to": target, "strategy": "?", "ok": False,
                                "error": f"{type(exc).__name__}: {exc}", "marks": {"execute": 0, "done": 0},
                                "check": {"blocked": True, "blockers": 0, "warnings": 0}})
    finally:
        (out / "upgrade-report.json").write_text(json.dumps(reports, indent=1, default=str))
        (out / "upgrade-report.txt").write_text(render_text(reports) + "\n")
        drawn = draw([r for r in reports if r.get("steps")], out / "upgrade-timeline.png")
        print(render_text(reports))
        print(f"report: {out / 'upgrade-report.txt'}" + (f", timeline: {out / 'upgrade-timeline.png'}" if drawn
                                                           else " (no matplotlib: no timeline PNG)"))
        if not keep:
            stack.down()
    return 0 if reports and all(r.get("ok") and (r.get("verification") or {}).get("ok")
                                and (r.get("rollback") or {}).get("ok") for r in reports) else 1
