"""Airflow DAG: EMR Serverless Spark job, then an Athena query over its output.

The application is created for the run and deleted afterwards as a teardown task, so a failed job still
releases it. The Spark job and the query run deferrable: the worker slot is free while AWS works.
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.emr import (
    EmrServerlessCreateApplicationOperator,
    EmrServerlessDeleteApplicationOperator,
    EmrServerlessStartJobOperator,
)

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

BUCKET = "{{ var.value.get('emr_bucket', 'example-bucket') }}"
APP_ID = "{{ ti.xcom_pull(task_ids='create_application') }}"

with DAG(
    dag_id="example_emr_serverless_athena",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "emr-serverless", "athena"],
    doc_md=__doc__,
) as dag:
    create_app = EmrServerlessCreateApplicationOperator(
        task_id="create_application",
        release_label="emr-7.2.0",
        job_type="SPARK",
        config={"name": "mwaa-platform-example"},
    )
    spark_job = EmrServerlessStartJobOperator(
        task_id="spark_job",
        application_id=APP_ID,
        execution_role_arn="{{ var.value.get('emr_job_role_arn', 'arn:aws:iam::123456789012:role/emr-job') }}",
        job_driver={"sparkSubmit": {"entryPoint": f"s3://{BUCKET}/jobs/aggregate.py",
                                    "entryPointArguments": ["--date", "{{ ds }}"]}},
        configuration_overrides={"monitoringConfiguration": {
            "s3MonitoringConfiguration": {"logUri": f"s3://{BUCKET}/emr-logs/"}}},
        deferrable=True,
    )
    query = AthenaOperator(
        task_id="athena_summary",
        query="SELECT country, sum(amount) FROM sales_daily WHERE dt = '{{ ds }}' GROUP BY country",
        database="{{ var.value.get('athena_database', 'analytics') }}",
        output_location=f"s3://{BUCKET}/athena-results/",
        deferrable=True,
    )
    delete_app = EmrServerlessDeleteApplicationOperator(
        task_id="delete_application",
        application_id=APP_ID,
    )
    create_app >> spark_job >> query >> delete_app.as_teardown(setups=create_app)
