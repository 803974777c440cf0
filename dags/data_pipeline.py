"""Cross-account ETL: raw data stays in account A, MWAA, Glue and Redshift Serverless run in account B.

    wait_for_input      S3KeySensor (deferrable, reschedule): <input_prefix>dt=<ds>/_SUCCESS in A's input bucket
    crawl_input         GlueCrawlerOperator (start only) -> wait_for_crawl GlueCrawlerSensor
    transform           GlueJobOperator for dt=<ds> (start only) -> wait_for_transform GlueJobSensor (verbose logs)
    load_to_redshift    RedshiftDataOperator: CALL <schema>.load_curated(ds, s3://<staging>/curated/dt=<ds>/)
    clean_up_staging    SQLExecuteQueryOperator: CALL <schema>.clear_staging(), whatever happened to the load (ALL_DONE)
    unload_to_producer  RedshiftToS3Operator: UNLOAD the day's aggregate into A's output bucket through the role
                        chain RoleB,RoleA; only when the load and the clean-up succeeded (ALL_SUCCESS on both)

Configuration comes from Airflow at run time, never at parse time: the JSON variable ``data_pipeline`` and the
connections ``redshift_default`` / ``redshift_unload_role_chain``, which the MWAA Secrets Manager backend reads
from airflow/variables/... and airflow/connections/... (all written by modules/cross-account-data). Every Redshift
task runs as the execution role's IAM identity (database user IAMR:<role name>, temporary credentials from
GetCredentials): no password exists anywhere. No account id, bucket or ARN is written in this file.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator
from airflow.providers.amazon.aws.operators.redshift_data import RedshiftDataOperator
from airflow.providers.amazon.aws.sensors.glue import GlueJobSensor
from airflow.providers.amazon.aws.sensors.glue_crawler import GlueCrawlerSensor
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.amazon.aws.transfers.redshift_to_s3 import RedshiftToS3Operator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.utils.trigger_rule import TriggerRule

try:  # Airflow 3
    from airflow.sdk import DAG, chain
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment,no-redef]
    from airflow.models.baseoperator import chain  # type: ignore[no-redef]

CONFIG_VARIABLE = "data_pipeline"  # modules/cross-account-data: airflow.pipeline_variable
REDSHIFT_CONN_ID = "redshift_default"  # airflow.redshift_conn_id (IAM authentication, no password)
UNLOAD_CONN_ID = "redshift_unload_role_chain"  # airflow.unload_conn_id (aws connection, role_arn "RoleB,RoleA")
AWS_CONN_ID = "aws_default"  # the MWAA execution role


def cfg(key: str) -> str:
    """A Jinja reference to one key of the pipeline variable, resolved when the task runs."""
    return "{{ var.json.%s.%s }}" % (CONFIG_VARIABLE, key)  # noqa: UP031 Jinja braces make f-strings unreadable


RUN_DATE = "{{ ds }}"
INPUT_MARKER = f"{cfg('input_prefix')}dt={RUN_DATE}/{cfg('ready_marker')}"
CURATED_PATH = f"s3://{cfg('staging_bucket')}/{cfg('curated_prefix')}dt={RUN_DATE}/"

with DAG(
    dag_id="data_pipeline",
    description="Cross-account ETL: S3 (account A) -> Glue -> Redshift Serverless (account B) -> UNLOAD to A",
    doc_md=__doc__,
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["etl", "cross-account", "redshift-serverless"],
) as dag:
    wait_for_input = S3KeySensor(
        task_id="wait_for_input",
        bucket_name=cfg("input_bucket"),
        bucket_key=INPUT_MARKER,
        aws_conn_id=AWS_CONN_ID,
        deferrable=True,
        mode="reschedule",
        poke_interval=300,
        timeout=6 * 60 * 60,
    )

    crawl_input = GlueCrawlerOperator(
        task_id="crawl_input",
        config={"Name": cfg("glue_crawler")},
        aws_conn_id=AWS_CONN_ID,
        wait_for_completion=False,
    )

    wait_for_crawl = GlueCrawlerSensor(
        task_id="wait_for_crawl",
        crawler_name=cfg("glue_crawler"),
        aws_conn_id=AWS_CONN_ID,
        mode="reschedule",
        poke_interval=60,
        timeout=60 * 60,
    )

    transform = GlueJobOperator(
        task_id="transform",
        job_name=cfg("glue_job"),
        script_args={"--run_date": RUN_DATE},
        aws_conn_id=AWS_CONN_ID,
        wait_for_completion=False,
    )

    wait_for_transform = GlueJobSensor(
        task_id="wait_for_transform",
        job_name=cfg("glue_job"),
        run_id="{{ task_instance.xcom_pull(task_ids='transform') }}",
        verbose=True,
        aws_conn_id=AWS_CONN_ID,
        mode="reschedule",
        poke_interval=60,
        timeout=3 * 60 * 60,
    )

    load_to_redshift = RedshiftDataOperator(
        task_id="load_to_redshift",
        workgroup_name=cfg("redshift_workgroup"),
        database=cfg("redshift_database"),
        sql=f"CALL {cfg('redshift_schema')}.load_curated('{RUN_DATE}', '{CURATED_PATH}')",
        aws_conn_id=AWS_CONN_ID,
        wait_for_completion=True,
        poll_interval=15,
    )

    clean_up_staging = SQLExecuteQueryOperator(
        task_id="clean_up_staging",
        conn_id=REDSHIFT_CONN_ID,
        sql=f"CALL {cfg('redshift_schema')}.clear_staging()",
        autocommit=True,
        trigger_rule=TriggerRule.ALL_DONE,
    )

    unload_to_producer = RedshiftToS3Operator(
        task_id="unload_to_producer",
        redshift_conn_id=REDSHIFT_CONN_ID,
        aws_conn_id=UNLOAD_CONN_ID,
        s3_bucket=cfg("output_bucket"),
        s3_key=f"{cfg('output_prefix')}dt={RUN_DATE}/sales_daily_",
        select_query=f"SELECT * FROM {cfg('redshift_schema')}.sales_daily WHERE sale_date = '{RUN_DATE}'",
        unload_options=[
            "FORMAT AS PARQUET",
            "ALLOWOVERWRITE",
            f"KMS_KEY_ID '{cfg('output_kms_key_arn')}'",
            "ENCRYPTED",
        ],
        trigger_rule=TriggerRule.ALL_SUCCESS,
    )

    chain(
        wait_for_input,
        crawl_input,
        wait_for_crawl,
        transform,
        wait_for_transform,
        load_to_redshift,
        clean_up_staging,
        unload_to_producer,
    )
    # The clean-up runs even after a failed load; the unload must not, so it also waits for the load itself.
    load_to_redshift >> unload_to_producer
