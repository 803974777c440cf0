"""The upgrade drill (``make upgrade-drill``): real upgrades on its own embedded default, measured and verified.

Per scenario (default: 2.10.3 -> 3.2.1 blue-green, 2.11.0 -> 3.2.1 in place): an environment on FROM with
a workload DAG (runs with XComs), the DR backup/restore DAGs and a DR location; ``upgrade check`` on the
environment's own files; a snapshot and ``upgrade rehearse`` (a throwaway copy on TO, the migration timed);
``upgrade execute`` with the scenario's strategy; then the evidence: the version,
the runs carried, exactly the active DAGs active (and, blue-green, the old environment fenced), a new run.
Writes ``upgrade-report.json``, ``upgrade-report.txt`` and ``upgrade-timeline.png`` (one bar per step).
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

from mwaa_platform import aws, versions
from mwaa_platform.failover.airflow import AirflowRest, major_version
from mwaa_platform.local import ports
from mwaa_platform.local.emulator import Emulator
from mwaa_platform.local.mwaa import mwaa_env
from mwaa_platform.local.mwaa.launcher import LocalMwaa
from mwaa_platform.local.postgres import Cluster
from mwaa_platform.upgrade import inputs
from mwaa_platform.upgrade.check import check
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.rehearse import rehearse
from mwaa_platform.upgrade.runbook import Runbook

REGION = "us-east-1"
WORKLOAD = "upgrade_workload"
DEFAULT_SCENARIOS = (("2.10.3", "3.2.1"), ("2.11.0", "3.2.1"))
WORKLOAD_DAG = '''"""Upgrade drill workload: each run returns an XCom (the drill checks runs survive the upgrade)."""
import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task

with DAG(dag_id="upgrade_workload", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         catchup=False, tags=["drill"]) as dag:

    @task
    def work(**context):
        return {"run": context["run_id"]}

    work()
'''


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
                              options={"default_runtime": "airflow", "dag_sync_period": 5})
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
    rest = rest_of(name)
    rest.trigger(dag_id, run_id, {})

    def finished() -> str | None:
        got = (rest.run(dag_id, run_id) or {}).get("state")
        return str(got) if got in ("success", "failed") else None

    return str(wait_for(f"{dag_id} {run_id} in {name}", finished, 600))


def run_workload(name: str, run_id: str) -> str:
    return run_dag(name, WORKLOAD, run_id)


def scenario(current: str, target: str, infra: dict[str, Any], repo: Path, rehearse_first: bool = True
             ) -> dict[str, Any]:
    strategy = "in_place" if versions.change_path(current, target) == "in_place" else "blue_green"
    name = f"drill-{current.replace('.', '')}-{uuid.uuid4().hex[:4]}"
    prefix = f"dags-{name}"
    upload_dags(infra["bucket"], prefix, repo)
    mwaa = aws.client("mwaa", REGION, read_timeout=300)
    report: dict[str, Any] = {"from": current, "to": target, "strategy": strategy, "environment": name}
    marks: dict[str, float] = {"start": time.time()}
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
    wait_for("workload parsed", lambda: rest.dag(WORKLOAD) is not None, 600)
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
    log(f"{name}: upgrade execute --strategy {strategy}")
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
    report["marks"] = marks
    if report["ok"]:
        report["verification"] = verify(name, config.new_environment if strategy == "blue_green" else name, strategy)
    return report


def verify(old: str, new: str, strategy: str) -> dict[str, Any]:
    rest = rest_of(new)
    runs = {f"before-{i}": (rest.run(WORKLOAD, f"before-{i}") or {}).get("state") for i in range(2)}
    out: dict[str, Any] = {"runs_carried": runs, "active": sorted(d["dag_id"] for d in rest.dags(paused=False)),
                           "new_run": run_workload(new, "after-upgrade")}
    if strategy == "blue_green":
        out["old_active"] = sorted(d["dag_id"] for d in rest_of(old).dags(paused=False))
    out["ok"] = (all(v == "success" for v in runs.values()) and WORKLOAD in out["active"]
                 and out["new_run"] == "success" and not out.get("old_active"))
    return out


def draw(reports: list[dict[str, Any]], path: Path) -> bool:
    """One row per step of each scenario, seconds since its execute started; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows: list[tuple[str, float, float, bool]] = []
    for rep in reports:
        zero = rep["marks"]["execute"]
        for name, rec in sorted((rep.get("steps") or {}).items(), key=lambda kv: kv[1].get("started_at") or ""):
            if rec.get("started_at") and rec.get("finished_at"):
                start = datetime.fromisoformat(rec["started_at"]).timestamp() - zero
                end = datetime.fromisoformat(rec["finished_at"]).timestamp() - zero
                rows.append((f"{rep['from']}->{rep['to']} {name}", start, end, rec.get("status") == "failed"))
    fig, ax = plt.subplots(figsize=(11, 0.4 * len(rows) + 2))
    for i, (_, start, end, failed) in enumerate(rows):
        ax.broken_barh([(start, max(0.5, end - start))], (i - 0.35, 0.7), color="#C44E52" if failed else "#4C72B0")
        ax.text(end + 1, i, f"{end - start:.0f}s", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since `upgrade execute` started")
    ax.set_title("Upgrade drill: steps per scenario")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def render_text(reports: list[dict[str, Any]]) -> str:
    lines = ["Upgrade drill (embedded default: emulator + local MWAA with real Airflow)"]
    for rep in reports:
        m = rep["marks"]
        lines.append(f"- {rep['from']} -> {rep['to']} ({rep['strategy']}): {'OK' if rep.get('ok') else 'FAILED'} "
                     f"in {m['done'] - m['execute']:.0f}s; check: {'blocked' if rep['check']['blocked'] else 'ok'} "
                     f"({rep['check']['blockers']} blockers, {rep['check']['warnings']} warnings)")
        for name, rec in sorted((rep.get("steps") or {}).items(), key=lambda kv: kv[1].get("started_at") or ""):
            took = ""
            if rec.get("started_at") and rec.get("finished_at"):
                took = f"{datetime.fromisoformat(rec['finished_at']).timestamp() - datetime.fromisoformat(rec['started_at']).timestamp():.1f}s"  # noqa: E501
            lines.append(f"    {name:18} {rec.get('status'):8} {took}")
        if rep.get("rehearse"):
            r = rep["rehearse"]
            lines.append(f"  rehearse on a throwaway {r.get('to')} copy: {'OK' if r.get('ok') else 'FAILED'}; "
                         f"migration (restore run) {r.get('migration_seconds')}s; steps {json.dumps(r.get('seconds'))}"
                         + (f"; error: {r['error'][:300]}" if r.get("error") else ""))
        if rep.get("verification"):
            lines.append(f"  verification: {json.dumps(rep['verification'])}")
        if rep.get("error"):
            lines.append(f"  error: {rep['error'][:800]}")
    return "\n".join(lines)


def main(out: Path, scenarios: list[tuple[str, str]], keep: bool = False) -> int:
    repo = Path(__file__).resolve().parents[3]
    out.mkdir(parents=True, exist_ok=True)
    stack = Stack(out / "stack")
    reports: list[dict[str, Any]] = []
    try:
        stack.up()  # Airflow runtimes stay shared in <state>/airflow (MWAA_PLATFORM_STATE is left alone)
        infra = infrastructure(f"upg{uuid.uuid4().hex[:6]}")
        for current, target in scenarios:
            try:
                reports.append(scenario(current, target, infra, repo))
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
    return 0 if reports and all(r.get("ok") and (r.get("verification") or {}).get("ok") for r in reports) else 1
