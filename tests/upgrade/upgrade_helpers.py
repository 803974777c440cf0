"""Helpers for the upgrade tests: the DR settings, the test DAGs (Airflow 2 and 3), runs and history by natural key."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from mwaa_platform.failover.airflow import AirflowRest

REPO = Path(__file__).resolve().parents[2]
WORK = "upg_work"
IDLE = "upg_idle"
DAGS = {
    f"{WORK}.py": '''
from datetime import datetime
try:
    from airflow.sdk import DAG, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task

with DAG("upg_work", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    @task
    def work(**context):
        return {"run": context["run_id"]}

    work()
''',
    f"{IDLE}.py": '''
from datetime import datetime
try:
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator

with DAG("upg_idle", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    EmptyOperator(task_id="nothing")
''',
}


def dr_settings(bucket: str, full_every_hours: str = "0") -> dict[str, Any]:
    """The DR backup's configuration options (a KMS key and a location in the emulator)."""
    key = boto3.client("kms").create_key(Description="upgrade tests")["KeyMetadata"]["KeyId"]
    return {"mwaa_platform.dr_backup_url": f"s3://{bucket}/dr", "mwaa_platform.dr_kms_key_id": key,
            "mwaa_platform.dr_backup_schedule": "@once", "mwaa_platform.dr_full_every_hours": full_every_hours}


def upload_dags(bucket: str, prefix: str, dr_dags: tuple[str, ...] = ("dr_backup", "dr_restore")) -> None:
    """The two test DAGs and the project's DR DAGs under ``prefix``."""
    s3 = boto3.client("s3")
    for file, body in DAGS.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{file}", Body=body.encode())
    for dag_id in dr_dags:
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{dag_id}.py", Body=(REPO / "dags" / f"{dag_id}.py").read_bytes())


def run_and_wait(rest: AirflowRest, run_id: str, dag_id: str = WORK, timeout: float = 300) -> str:
    rest.trigger(dag_id, run_id, {})
    deadline = time.monotonic() + timeout
    while True:
        state_now = (rest.run(dag_id, run_id) or {}).get("state")
        if state_now in ("success", "failed") or time.monotonic() > deadline:
            return str(state_now)
        time.sleep(2)


def wait_parsed(rest: AirflowRest, dag_ids: list[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while any(rest.dag(d) is None for d in dag_ids):
        assert time.monotonic() < deadline, f"{dag_ids} not parsed"
        time.sleep(2)


def active(rest: AirflowRest) -> list[str]:
    return sorted(d["dag_id"] for d in rest.dags(paused=False))


def _instant(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def history(rest: AirflowRest, dag_ids: list[str]) -> dict[str, dict[tuple[str, ...], Any]]:
    """dag_run / task_instance / xcom rows of ``dag_ids`` by natural key -> state (xcom: its timestamp).

    Through the ``~`` collections (InvokeRestApi paths are limited to 64 characters); Airflow 2's XCom items name
    their run by execution date, Airflow 3's by run id."""
    runs: dict[tuple[str, ...], Any] = {}
    by_date: dict[tuple[str, float | None], str] = {}
    for run in (rest.ok("GET", "/dags/~/dagRuns", {"limit": 100}) or {}).get("dag_runs") or []:
        if run["dag_id"] in dag_ids:
            runs[(run["dag_id"], run["dag_run_id"])] = run["state"]
            by_date[(run["dag_id"], _instant(run.get("logical_date") or run.get("execution_date")))] = run["dag_run_id"]
    tis: dict[tuple[str, ...], Any] = {}
    for ti in (rest.ok("GET", "/dags/~/dagRuns/~/taskInstances", {"limit": 100}) or {}).get("task_instances") or []:
        if ti["dag_id"] in dag_ids:
            tis[(ti["dag_id"], ti["dag_run_id"], ti["task_id"], str(ti.get("map_index", -1)))] = ti["state"]
    xcoms: dict[tuple[str, ...], Any] = {}
    for entry in (rest.ok("GET", "/dags/~/dagRuns/~/taskInstances/~/xcomEntries", {"limit": 100}) or {}).get(
            "xcom_entries") or []:
        if entry["dag_id"] in dag_ids:
            run_id = entry.get("run_id") or by_date.get(
                (entry["dag_id"], _instant(entry.get("logical_date") or entry.get("execution_date"))), "?")
            xcoms[(entry["dag_id"], run_id, entry["task_id"], entry["key"])] = _instant(entry.get("timestamp"))
    return {"dag_run": runs, "task_instance": tis, "xcom": xcoms}
