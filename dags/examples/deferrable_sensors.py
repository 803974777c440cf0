"""Airflow DAG: deferrable sensors wait in the triggerer, not in a worker slot.

An S3 key sensor and a time-delta sensor both defer; the downstream task runs when both are satisfied.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

try:  # Airflow 3
    from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
    from airflow.sdk import DAG, task

    def wait_a_bit() -> TimeDeltaSensor:
        return TimeDeltaSensor(task_id="wait_after_interval", delta=timedelta(minutes=5), deferrable=True)
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.decorators import task
    from airflow.sensors.time_delta import TimeDeltaSensorAsync

    def wait_a_bit() -> TimeDeltaSensorAsync:  # type: ignore[misc]
        return TimeDeltaSensorAsync(task_id="wait_after_interval", delta=timedelta(minutes=5))


with DAG(
    dag_id="example_deferrable_sensors",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "deferrable"],
    doc_md=__doc__,
) as dag:
    landed = S3KeySensor(
        task_id="wait_for_landing_file",
        bucket_name="{{ var.value.get('landing_bucket', 'example-bucket') }}",
        bucket_key="sales/{{ ds }}/_SUCCESS",
        deferrable=True,
        poke_interval=60,
        timeout=6 * 60 * 60,
    )

    @task
    def process(ds: str | None = None) -> str:
        return f"processing sales for {ds}"

    [landed, wait_a_bit()] >> process()
