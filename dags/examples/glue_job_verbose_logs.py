"""Airflow DAG: run an AWS Glue job and stream its driver logs into the Airflow task log (verbose=True).

Settings come from Airflow Variables through templates (read at run time, not at parse time), so parsing
this file makes no AWS or metadata-database call.
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

with DAG(
    dag_id="example_glue_job_verbose_logs",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "glue"],
    doc_md=__doc__,
) as dag:
    GlueJobOperator(
        task_id="run_glue_job",
        job_name="{{ var.value.get('glue_job_name', 'mwaa-platform-example') }}",
        script_location="s3://{{ var.value.get('glue_scripts_bucket', 'example-bucket') }}/scripts/etl.py",
        s3_bucket="{{ var.value.get('glue_scripts_bucket', 'example-bucket') }}",
        iam_role_name="{{ var.value.get('glue_role_name', 'mwaa-platform-glue') }}",
        create_job_kwargs={"GlueVersion": "4.0", "NumberOfWorkers": 2, "WorkerType": "G.1X"},
        script_args={"--run_date": "{{ ds }}"},
        verbose=True,  # Glue's CloudWatch log lines show up in this task's log
        wait_for_completion=True,
        retries=1,
    )
