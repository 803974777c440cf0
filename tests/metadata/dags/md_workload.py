"""Workload DAGs for the metadata engine tests: XComs, mapped tasks, a retry, a deferral, dataset/asset events.

Compatible with Airflow 2.10 and 3.0; the tests run them with ``dag.test()`` against a real PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
    from airflow.sdk import DAG, get_current_context, task
    from airflow.sdk import Asset as Dataset

    def deferring_sensor(task_id: str) -> object:
        return TimeDeltaSensor(task_id=task_id, delta=timedelta(seconds=1), deferrable=True)
except ImportError:  # Airflow 2
    from airflow import DAG, Dataset  # type: ignore[assignment,no-redef]
    from airflow.decorators import task  # type: ignore[no-redef]
    from airflow.operators.python import get_current_context  # type: ignore[no-redef]
    from airflow.sensors.time_delta import TimeDeltaSensorAsync

    def deferring_sensor(task_id: str) -> object:
        return TimeDeltaSensorAsync(task_id=task_id, delta=timedelta(seconds=1))

OUT = Dataset("s3://md-lake/out")
START = pendulum.datetime(2025, 1, 1, tz="UTC")

with DAG("md_etl", schedule=None, start_date=START, catchup=False, tags=["md"]) as etl:

    @task
    def extract() -> list[int]:
        return [1, 2, 3]

    @task
    def transform(x: int) -> dict:
        return {"x": x, "square": x * x, "text": "line one\nline two | pipe, comma \"quote\""}

    @task(retries=1, retry_delay=timedelta(seconds=0))
    def flaky() -> str:
        ti = get_current_context()["ti"]
        if ti.try_number <= 1:
            raise RuntimeError("first try fails on purpose")
        return f"ok on try {ti.try_number}"

    @task(outlets=[OUT])
    def load(rows: list[dict], status: str) -> int:
        return sum(r["square"] for r in rows)

    wait = deferring_sensor("wait_a_second")
    rows = transform.expand(x=extract())
    wait >> rows
    load(rows, flaky())

with DAG("md_consumer", schedule=[OUT], start_date=START, catchup=False, tags=["md"]) as consumer:

    @task
    def consume() -> str:
        return "consumed"

    consume()
