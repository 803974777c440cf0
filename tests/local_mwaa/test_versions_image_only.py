"""3.3.1 (image-only: in AWS's image repository, not offered by MWAA yet) creates and runs a DAG.

Split from test_versions.py so that xdist runs the slow environments side by side."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mwaa_local_helpers import Infra, wait_gone, wait_status
from test_versions import AIRFLOW_TAG, expected_history, history, name, run_dag

from mwaa_local.postgres import Cluster
from mwaa_platform import versions


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.emulator
def test_image_only_3_3_1_creates_and_runs_a_dag(mwaa: Any, infra: Infra, dag_bucket: str, postgres: Cluster) -> None:
    """3.3.1 is image-only (not offered by MWAA): the local MWAA runs it to test ahead."""
    assert versions.get("3.3.1").status == "image_only"
    env_name = name("img")
    started = time.monotonic()
    mwaa.create_environment(**infra.params(env_name, AirflowVersion="3.3.1", DagS3Path=dag_bucket, Tags=AIRFLOW_TAG))
    try:
        wait_status(mwaa, env_name, {"AVAILABLE"}, timeout=420, leaving={"CREATING"})
        print(f"{env_name}: 3.3.1 AVAILABLE after {time.monotonic() - started:.1f}s")
        run_dag(mwaa, env_name, "on-3-3", logical_date="2025-01-03T00:00:00Z")
        assert history(postgres, env_name) == expected_history(["on-3-3"])
    finally:
        mwaa.delete_environment(Name=env_name)
        wait_gone(mwaa, env_name, timeout=180)
