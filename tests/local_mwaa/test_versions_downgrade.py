"""An environment created on 3.2.1 runs a DAG and is downgraded in place to 2.11.0 (real Airflow).

Split from test_versions.py so that xdist runs the slow environments side by side."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mwaa_local_helpers import Infra, statuses, wait_gone, wait_status
from test_versions import (
    AIRFLOW_TAG,
    MOVED_RUNS,
    change_version,
    connect,
    expected_history,
    history,
    name,
    run_dag,
)

from mwaa_local.postgres import Cluster


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.emulator
def test_created_on_3_2_runs_a_dag_and_downgrades_to_2_11(
        mwaa: Any, infra: Infra, dag_bucket: str, postgres: Cluster, status_events: Any) -> None:
    env_name = name("down")
    started = time.monotonic()
    mwaa.create_environment(**infra.params(env_name, AirflowVersion="3.2.1", DagS3Path=dag_bucket,
                                           Tags=AIRFLOW_TAG))
    try:
        wait_status(mwaa, env_name, {"AVAILABLE"}, timeout=420, leaving={"CREATING"})
        print(f"{env_name}: 3.2.1 AVAILABLE after {time.monotonic() - started:.1f}s")
        run_dag(mwaa, env_name, "on-3-2", logical_date="2025-01-02T00:00:00Z")
        run_dag(mwaa, env_name, "no-date", logical_date=None)
        assert history(postgres, env_name) == expected_history(["on-3-2", "no-date"])
        env, _ = change_version(mwaa, env_name, "2.11.0")
        assert env["AirflowVersion"] == "2.11.0"
        # Airflow's own downgrade keeps every run that has a logical date; a run without one (Airflow 3 only)
        # cannot exist in 2.x: Airflow moves it to _airflow_moved__3_0_0__offending_dag_run (its task
        # instances and XComs go with the dag_run row)
        assert history(postgres, env_name) == expected_history(["on-3-2"])
        with connect(postgres, env_name) as cur:
            cur.execute(f"SELECT run_id FROM {MOVED_RUNS}")
            assert [r[0] for r in cur.fetchall()] == ["no-date"]
        run_dag(mwaa, env_name, "on-2-11")
        assert history(postgres, env_name) == expected_history(["on-3-2", "on-2-11"])
        assert statuses(status_events(1.0), env_name) == ["CREATING", "AVAILABLE", "UPDATING", "AVAILABLE"]
    finally:
        mwaa.delete_environment(Name=env_name)
        wait_gone(mwaa, env_name, timeout=180)
