"""2.11.0 -> 3.2.1 in place, a forced failure rolled back, and back to 2.11.0 (real Airflow).

Split from test_versions.py so that xdist runs the slow environments side by side."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mwaa_local_helpers import Infra, statuses, wait_gone, wait_status
from test_versions import (
    AIRFLOW_TAG,
    DAG_ID,
    FAIL_TAG,
    change_version,
    expected_history,
    history,
    invoke,
    kept_rows,
    name,
    run_dag,
)

from mwaa_local.postgres import Cluster


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.emulator
def test_in_place_2_11_to_3_2_and_back_keeps_everything_and_a_forced_failure_rolls_back(
        mwaa: Any, infra: Infra, dag_bucket: str, postgres: Cluster, local_mwaa: Any, status_events: Any) -> None:
    env_name = name("up")
    started = time.monotonic()
    mwaa.create_environment(**infra.params(env_name, AirflowVersion="2.11.0", DagS3Path=dag_bucket,
                                           Tags=AIRFLOW_TAG))
    try:
        wait_status(mwaa, env_name, {"AVAILABLE"}, timeout=420, leaving={"CREATING"})
        print(f"{env_name}: 2.11.0 AVAILABLE after {time.monotonic() - started:.1f}s")
        run_dag(mwaa, env_name, "on-2-11")
        assert history(postgres, env_name) == expected_history(["on-2-11"])

        env, _ = change_version(mwaa, env_name, "3.2.1")
        assert env["AirflowVersion"] == "3.2.1" and env["LastUpdate"]["Status"] == "SUCCESS"
        assert history(postgres, env_name) == expected_history(["on-2-11"])  # nothing lost
        run_dag(mwaa, env_name, "on-3-2", logical_date="2025-01-02T00:00:00Z")
        assert history(postgres, env_name) == expected_history(["on-2-11", "on-3-2"])
        runs = invoke(mwaa, env_name, "GET", f"/dags/{DAG_ID}/dagRuns")["RestApiResponse"]["dag_runs"]
        assert {r["dag_run_id"] for r in runs} == {"on-2-11", "on-3-2"}  # the old run, read by Airflow 3

        mwaa.tag_resource(ResourceArn=env["Arn"], Tags={FAIL_TAG: "true"})
        before = kept_rows(postgres, env_name)
        env, _ = change_version(mwaa, env_name, "2.11.0", final="UPDATE_FAILED")
        assert env["AirflowVersion"] == "3.2.1"
        assert env["LastUpdate"]["Status"] == "FAILED"
        assert env["LastUpdate"]["Error"]["ErrorCode"] == "DATABASE_MIGRATION_FAILED"
        assert FAIL_TAG in env["LastUpdate"]["Error"]["ErrorMessage"]
        assert kept_rows(postgres, env_name) == before  # the snapshot is back: rows and 3.2.1 schema
        assert invoke(mwaa, env_name, "GET", f"/dags/{DAG_ID}/dagRuns/on-3-2")["RestApiResponse"]["state"] == "success"

        mwaa.untag_resource(ResourceArn=env["Arn"], tagKeys=[FAIL_TAG])
        env, _ = change_version(mwaa, env_name, "2.11.0")
        assert env["AirflowVersion"] == "2.11.0" and env["LastUpdate"]["Status"] == "SUCCESS"
        assert history(postgres, env_name) == expected_history(["on-2-11", "on-3-2"])
        run_dag(mwaa, env_name, "back-on-2-11")
        assert history(postgres, env_name) == expected_history(["on-2-11", "on-3-2", "back-on-2-11"])
        assert statuses(status_events(1.0), env_name) == [
            "CREATING", "AVAILABLE", "UPDATING", "AVAILABLE", "UPDATING", "ROLLING_BACK", "UPDATE_FAILED",
            "UPDATING", "AVAILABLE"]
        print("local MWAA:", [(e["Name"], e.get("StartupSeconds")) for e in local_mwaa.environments()])
    finally:
        mwaa.delete_environment(Name=env_name)
        wait_gone(mwaa, env_name, timeout=180)
