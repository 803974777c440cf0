"""Run inside an Airflow runtime: fill the database of AIRFLOW__DATABASE__SQL_ALCHEMY_CONN with real metadata.

Real DAG runs (``dag.test()``) of tests/metadata/dags, then what users add through the UI/CLI (notes,
variables, connections, a pool) with Airflow's own models, so everything is encrypted with this
environment's Fernet key, then work in flight at backup time: a run still running with a task deferred
on a trigger (encrypted kwargs, as Airflow writes them) and a task queued.

    python generate.py RUNS    prints one JSON line: run ids and counts
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import airflow
from airflow.models import Connection, DagBag, DagModel, DagRun, TaskInstance, Variable
from airflow.models.pool import Pool
from airflow.models.trigger import Trigger
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState, TaskInstanceState

AF3 = airflow.__version__.startswith("3.")


def run_dag(dag, when: datetime) -> DagRun:  # type: ignore[no-untyped-def]
    if AF3:
        return dag.test(logical_date=when, run_after=when)
    return dag.test(execution_date=when)


def sync(bag: DagBag) -> None:
    """What the DAG processor does: DAGs into the database (Airflow 3: with their bundle and versions)."""
    if AF3:
        from airflow.dag_processing.bundles.manager import DagBundlesManager

        DagBundlesManager().sync_bundles_to_db()
        bag.sync_to_db("dags-folder", None)
    else:
        # notes refer to ab_user: load the FAB models so the ORM knows that table
        import airflow.providers.fab.auth_manager.models  # noqa: F401

        bag.sync_to_db()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    bag = DagBag(include_examples=False)
    assert not bag.import_errors, bag.import_errors
    sync(bag)
    etl = bag.get_dag("md_etl")
    done = []
    for i in range(runs):
        dr = run_dag(etl, datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=i))
        assert dr.state == DagRunState.SUCCESS, (dr.run_id, dr.state)
        done.append(dr.run_id)
    with create_session() as session:
        first = session.query(DagRun).filter(DagRun.dag_id == "md_etl", DagRun.run_id == done[0]).one()
        first.note = "checked by on-call: rerun not needed"
        ti = session.query(TaskInstance).filter(TaskInstance.dag_id == "md_etl", TaskInstance.run_id == done[0],
                                                TaskInstance.task_id == "flaky").one()
        ti.note = "flaky by design"
        for k in range(5):
            Variable.set(f"md_var_{k}", json.dumps({"k": k, "text": "a|b,c\"d\nnext"}), session=session)
        session.add(Connection(conn_id="md_conn", conn_type="postgres", host="db.internal", login="etl",
                               password="s3cr3t|p@ss", port=5432, schema="public",
                               extra=json.dumps({"sslmode": "require", "token": "abc"})))
        session.add(Pool(pool="md_pool", slots=3, description="test pool", include_deferred=False))
        # the active DAGs of the primary: md_etl and the DR backup; md_consumer stays paused
        session.query(DagModel).filter(DagModel.dag_id.in_(["md_etl", "dr_backup"])).update(
            {DagModel.is_paused: False}, synchronize_session=False)
        session.commit()
        in_flight = _in_flight(session, etl)
    print(json.dumps({"runs": done, "in_flight_run": in_flight, "airflow": airflow.__version__}))


def _in_flight(session, dag) -> str:  # type: ignore[no-untyped-def]
    """A run still running at backup time: one task deferred on a trigger, one queued."""
    try:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger
    except ImportError:
        from airflow.triggers.temporal import DateTimeTrigger

    when = datetime(2025, 4, 1, tzinfo=UTC)
    if AF3:
        from airflow.models.dag_version import DagVersion
        from airflow.models.serialized_dag import SerializedDagModel

        sdag = SerializedDagModel.get_dag(dag.dag_id, session=session)
        version = DagVersion.get_latest_version(dag.dag_id, session=session)
        from airflow.utils.types import DagRunTriggeredByType, DagRunType

        dr = sdag.create_dagrun(run_id="manual__in_flight", logical_date=when, run_after=when,
                                data_interval=(when, when), run_type=DagRunType.MANUAL,
                                triggered_by=DagRunTriggeredByType.TEST, state=DagRunState.RUNNING,
                                session=session)
        assert version is not None
    else:
        from airflow.utils.types import DagRunType

        dr = dag.create_dagrun(run_id="manual__in_flight", execution_date=when, data_interval=(when, when),
                               run_type=DagRunType.MANUAL, state=DagRunState.RUNNING, session=session)
    # the trigger first: flushing a new Trigger detaches already loaded task instances in Airflow 2.10
    trigger = Trigger.from_object(DateTimeTrigger(moment=datetime(2030, 1, 1, tzinfo=UTC)))
    session.add(trigger)
    session.flush()
    tis = {ti.task_id: ti for ti in dr.get_task_instances(session=session)}
    wait = tis["wait_a_second"]
    wait.state = TaskInstanceState.DEFERRED
    wait.trigger_id = trigger.id
    wait.next_method = "execute_complete"
    wait.next_kwargs = {"event": None}
    wait.trigger_timeout = datetime(2030, 1, 2, tzinfo=UTC)
    tis["extract"].state = TaskInstanceState.QUEUED
    session.commit()
    states = {ti.task_id: ti.state for ti in dr.get_task_instances(session=session)}
    assert states["wait_a_second"] == TaskInstanceState.DEFERRED and states["extract"] == TaskInstanceState.QUEUED
    return str(dr.run_id)


if __name__ == "__main__":
    main()
