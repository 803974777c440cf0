"""A one-task DAG so the example environment has something to run."""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("example_hello", start_date=datetime.datetime(2024, 1, 1), schedule=None, catchup=False):
    EmptyOperator(task_id="hello")
