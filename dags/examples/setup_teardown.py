"""Airflow DAG: setup / teardown tasks - the scratch area is removed even when the work fails."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.decorators import task


with DAG(
    dag_id="example_setup_teardown",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "setup-teardown"],
    doc_md=__doc__,
) as dag:

    @task
    def create_scratch() -> str:
        return tempfile.mkdtemp(prefix="scratch-")

    @task
    def work(path: str) -> int:
        target = Path(path) / "result.txt"
        target.write_text("42\n")
        return int(target.read_text())

    @task
    def remove_scratch(path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)

    scratch = create_scratch()
    result = work(scratch)
    result >> remove_scratch(scratch).as_teardown(setups=scratch)
