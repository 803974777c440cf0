"""Run inside Airflow 3: the DR task body after Airflow's own ``block_orm_access()``.

That function is what the task supervisor calls in every forked task process on a worker (MWAA's Celery
workers included) before the task runs: Airflow's ORM session is gone and AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
is replaced by a placeholder. The DR code must still reach the database - through MWAA's MWAA__DB__*
container variables - to back up and restore.

    python blocked_task.py TARGET_DB RESTORE_CONF_JSON    prints one JSON line

Backs up the database named by MWAA__DB__POSTGRES_DB with AIRFLOW__CORE__FERNET_KEY, then restores into
TARGET_DB (same server) with TARGET_FERNET_KEY, as the dr_backup task of the primary and the dr_restore task
of the secondary (another environment, another key) would.
"""

from __future__ import annotations

import json
import os
import sys

from airflow import settings
from airflow.sdk.execution_time.supervisor import block_orm_access


def main() -> None:
    block_orm_access()
    try:
        settings.Session()
        orm_blocked = False
    except Exception:  # any refusal means blocked
        orm_blocked = True
    from mwaa_platform.metadata import jobs

    backup = jobs.scheduled_backup(jobs.DrSettings.from_env())
    os.environ["MWAA__DB__POSTGRES_DB"] = sys.argv[1]
    os.environ["AIRFLOW__CORE__FERNET_KEY"] = os.environ["TARGET_FERNET_KEY"]
    restore = jobs.run_restore(jobs.RestoreRequest.from_conf(json.loads(sys.argv[2])))
    print(json.dumps({"orm_blocked": orm_blocked, "conn_env": os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
                      "backup": backup, "restore": restore}))


if __name__ == "__main__":
    main()
