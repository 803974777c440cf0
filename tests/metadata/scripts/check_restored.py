"""Run inside an Airflow runtime against a RESTORED database, with the target environment's Fernet key.

What users of the restored environment do: pull XComs of a finished run through Airflow's own code paths,
read variables and connections (decrypting with the target key), then run a DAG (it must succeed and get a
new run id past the restored ones).

    python check_restored.py RUN_ID    prints one JSON line
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import airflow
from airflow.hooks.base import BaseHook
from airflow.models import DagBag, DagRun, TaskInstance, Variable
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState

AF3 = airflow.__version__.startswith("3.")
NEW_XCOM_API = tuple(int(p) for p in airflow.__version__.split(".")[:2]) >= (3, 1)


def pulled(session, dag, run_id: str) -> dict:  # type: ignore[no-untyped-def]
    """XComs as a downstream task sees them (Airflow joins xcom to dag_run on dag_run.id)."""
    if AF3:
        from airflow.models.xcom import XComModel

        def values(task_id: str) -> list:
            found = XComModel.get_many(run_id=run_id, dag_ids=dag.dag_id, task_ids=task_id, key="return_value",
                                       **({} if NEW_XCOM_API else {"session": session}))
            rows = session.scalars(found).all() if NEW_XCOM_API else found.all()  # 3.1+: a select statement
            return [XComModel.deserialize_value(r) for r in sorted(rows, key=lambda r: r.map_index)]

        return {"transform": values("transform"), "load": values("load"), "flaky": values("flaky")}
    ti = session.query(TaskInstance).filter_by(dag_id=dag.dag_id, run_id=run_id, task_id="load").one()
    ti.task = dag.get_task("load")
    return {"transform": list(ti.xcom_pull(task_ids="transform", session=session)),
            "load": [ti.xcom_pull(task_ids="load", session=session)],
            "flaky": [ti.xcom_pull(task_ids="flaky", session=session)]}


def main() -> None:
    run_id = sys.argv[1]
    bag = DagBag(include_examples=False)
    dag = bag.get_dag("md_etl")
    with create_session() as session:
        xcoms = pulled(session, dag, run_id)
        max_run_id = max(r.id for r in session.query(DagRun))
    if NEW_XCOM_API:  # 3.1+: the SDK's hooks ask a task supervisor; outside a task, read Airflow's models
        from airflow.models.connection import Connection

        with create_session() as session:
            conn = session.query(Connection).filter_by(conn_id="md_conn").one()
            variables = {v.key: json.loads(v.val) for v in session.query(Variable).filter(
                Variable.key.in_([f"md_var_{k}" for k in range(5)]))}
            password, extra = conn.password, conn.extra_dejson
    else:
        conn = BaseHook.get_connection("md_conn")
        variables = {f"md_var_{k}": json.loads(Variable.get(f"md_var_{k}")) for k in range(5)}
        password, extra = conn.password, conn.extra_dejson
    when = datetime(2025, 6, 1, tzinfo=UTC)
    consumer = bag.get_dag("md_consumer")
    new = consumer.test(logical_date=when, run_after=when) if AF3 else consumer.test(execution_date=when)
    with create_session() as session:
        new_id = session.query(DagRun).filter_by(dag_id="md_consumer", run_id=new.run_id).one().id
    print(json.dumps({
        "xcoms": xcoms, "password": password, "extra": extra, "variables": variables,
        "new_run_state": str(new.state.value if hasattr(new.state, "value") else new.state),
        "new_run_id_after_restored": new_id > max_run_id, "success": new.state == DagRunState.SUCCESS,
    }))


if __name__ == "__main__":
    main()
