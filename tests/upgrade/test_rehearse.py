"""``upgrade rehearse`` (control plane only, seconds): refused away from the local MWAA; a rehearsal that fails
(here: the copy has no Airflow to restore into) still tears its throwaway environment down and says why."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from mwaa_local_helpers import Infra, wait_gone, wait_status

from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.rehearse import rehearse
from mwaa_platform.upgrade.state import RefusedError

pytestmark = [pytest.mark.emulator]


def test_refused_unless_the_mwaa_api_is_the_local_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_MWAA", raising=False)
    config = UpgradeConfig(environment="prod", region="us-east-1", state_table="-", target="3.2.1")
    with pytest.raises(RefusedError, match="local MWAA only"):
        rehearse(config, "etl")


def test_a_failed_rehearsal_is_torn_down(mwaa: Any, infra: Infra) -> None:
    name = f"reh-{uuid.uuid4().hex[:6]}"
    mwaa.create_environment(**infra.params(name, AirflowVersion="2.11.0", Tags={"mwaa-local:runtime": "none"},
                                           AirflowConfigurationOptions={
                                               "mwaa_platform.dr_backup_url": f"s3://{infra.bucket}/dr"}))
    try:
        wait_status(mwaa, name, {"AVAILABLE"}, timeout=120, leaving={"CREATING"})
        config = UpgradeConfig(environment=name, region="us-east-1", state_table="-", target="3.2.1",
                               poll_seconds=1, parse_timeout_seconds=5, wait_timeout_seconds=120)
        events: list[dict[str, Any]] = []
        report = rehearse(config, "etl", progress=events.append)
        assert report["ok"] is False and "not parsed" in report["error"]
        assert report["teardown"] == {"deleted": True}
        assert report["create_environment"]["created"] is True
        assert set(report["seconds"]) == {"create_environment", "wait_available", "restore", "teardown"}
        assert [e["step"] for e in events if e["event"] == "step_finished"][-1] == "teardown"
        names = mwaa.list_environments()["Environments"]
        assert report["throwaway"] not in names and name in names
    finally:
        mwaa.delete_environment(Name=name)
        wait_gone(mwaa, name)
