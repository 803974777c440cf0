"""DR restore: bring a snapshot (with its base and deltas) into THIS environment's metadata database.

Triggered with dag_run.conf (never scheduled), e.g. by the failover state machine:

    {"snapshot": "latest" | "<snapshot-id>", "strategy": "replace" | "skip",
     "in_flight": "keep" | "rerun" | "fail", "dry_run": false,
     "backup_url": "s3://bucket/prefix" (default: mwaa_platform.dr_backup_url),
     "task_token": "<Step Functions .waitForTaskToken token>" (optional)}

One task does the work in one database transaction and answers the Step Functions token on every path:
SendTaskSuccess with the per-table report, SendTaskFailure when the conf is invalid, the restore fails or
rolls back, or the task dies (timeout, killed worker: the failure callback answers). The restore commits
the DAGs' paused state last, so the scheduler sees the history and the unpaused DAGs together.

Airflow 2 and 3 alike: the task connects to PostgreSQL itself (MWAA__DB__* variables), not through the
ORM session that Airflow 3 blocks in task code.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG, get_current_context, task
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment,no-redef]
    from airflow.decorators import task  # type: ignore[no-redef]
    from airflow.operators.python import get_current_context  # type: ignore[no-redef]


def _conf(context: Any) -> dict:
    dag_run = context.get("dag_run")
    return dict(getattr(dag_run, "conf", None) or {})


def answer_failure(context: Any) -> None:
    """Failure callback: the task died before it could answer (timeout, killed worker)."""
    from mwaa_platform.metadata import jobs

    error = context.get("exception") or "the restore task failed without reporting (timeout or killed)"
    jobs.notify_step_functions(jobs.task_token_of(_conf(context)), error=error)


with DAG(
    dag_id="dr_restore",
    description="Restore a metadata snapshot into this environment (conf-driven, Step Functions callback)",
    doc_md=__doc__,
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "platform", "retries": 0},
    tags=["dr", "mwaa-platform"],
) as dag:

    @task(execution_timeout=timedelta(hours=2), on_failure_callback=answer_failure)
    def restore() -> dict:
        from mwaa_platform.metadata import jobs

        conf = _conf(get_current_context())
        token = jobs.task_token_of(conf)
        try:
            result = jobs.run_restore(jobs.RestoreRequest.from_conf(conf))
        except BaseException as exc:
            # if this answer cannot be sent, the failure callback tries again
            with contextlib.suppress(Exception):
                jobs.notify_step_functions(token, error=exc)
            raise
        jobs.notify_step_functions(token, result=result)
        return result

    restore()
