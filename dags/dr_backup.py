"""DR backup: one consistent snapshot of this environment's metadata database to S3 per schedule tick.

    backup   a delta on the latest snapshot, or a full one when the newest full is older than
             mwaa_platform.dr_full_every_hours (default 24); KMS-sealed secrets, manifest written last
    prune    retention: the newest mwaa_platform.dr_keep_fulls full snapshots (default 7) and their deltas

The schedule is the RPO: MWAA_PLATFORM_DR_BACKUP_SCHEDULE / Airflow option mwaa_platform.dr_backup_schedule
(default every 15 minutes). Settings (read at run time, not parse time): mwaa_platform.dr_backup_url
(s3://bucket/prefix) and mwaa_platform.dr_kms_key_id, as Airflow configuration options (environment
AIRFLOW__MWAA_PLATFORM__*) or MWAA_PLATFORM_DR_* variables. Needs ``mwaa-platform`` (and ``zstandard`` for
zstd) in requirements.txt.

Airflow 2 and 3 alike: the task opens its own PostgreSQL connection from MWAA's MWAA__DB__* container
variables (see mwaa_platform.metadata.dbconn); it never uses Airflow's ORM session, which Airflow 3 blocks
in task code. The backup never includes this DAG's own runs.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment,no-redef]
    from airflow.decorators import task  # type: ignore[no-redef]

SCHEDULE = (os.environ.get("MWAA_PLATFORM_DR_BACKUP_SCHEDULE")
            or os.environ.get("AIRFLOW__MWAA_PLATFORM__DR_BACKUP_SCHEDULE") or "*/15 * * * *")

with DAG(
    dag_id="dr_backup",
    description="Metadata snapshot to S3 (full or delta), then retention",
    doc_md=__doc__,
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "platform", "retries": 1, "retry_delay": timedelta(minutes=1),
                  "execution_timeout": timedelta(minutes=30)},
    tags=["dr", "mwaa-platform"],
) as dag:

    @task
    def backup() -> dict:
        from mwaa_platform.metadata import jobs

        return jobs.scheduled_backup(jobs.DrSettings.from_env())

    @task
    def prune(snapshot: dict) -> dict:
        from mwaa_platform.metadata import jobs

        return {"after": snapshot["snapshot_id"], **jobs.scheduled_prune(jobs.DrSettings.from_env())}

    prune(backup())
