"""``upgrade execute`` runs ``upgrade check`` first (control plane only, seconds; the check is faked at its boundary,
the ``Runbook.checker`` / ``gate.environment_check`` seam, its own tests are test_check.py).

A blocker refuses the upgrade with exit 3 and the blocker named, and nothing changes: no upgrade state, no
UpdateEnvironment, no new environment. ``--skip-check`` gets past the gate without calling the check and is
recorded in the operation; a passing check is recorded with its counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from mwaa_local_helpers import Infra, wait_gone, wait_status

from mwaa_platform.cli import main
from mwaa_platform.upgrade import gate, state
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.findings import CheckReport, Finding
from mwaa_platform.upgrade.runbook import Runbook
from mwaa_platform.upgrade.state import RefusedError

pytestmark = [pytest.mark.emulator]
BLOCKER = Finding("airflow3", "blocker", "`schedule_interval` is removed in Airflow 3", "etl.py", 12, "AIR301")


def blocked(config: UpgradeConfig, env: dict[str, Any], progress: Any) -> CheckReport:
    report = CheckReport(config.environment, str(env["AirflowVersion"]), str(config.target), "in_place")
    report.add(BLOCKER, Finding("config", "warning", "renamed", code="webserver.x"))
    report.ran.update({"version": {"status": "ok"}, "airflow3": {"status": "blocked"}})
    return report


def never(config: UpgradeConfig, env: dict[str, Any], progress: Any) -> CheckReport:
    raise AssertionError("--skip-check must not run the check")


@pytest.fixture
def env_2_11(mwaa: Any, infra: Infra) -> Iterator[str]:
    name = f"gate-{uuid.uuid4().hex[:6]}"
    mwaa.create_environment(**infra.params(name, AirflowVersion="2.11.0", Tags={"mwaa-local:runtime": "none"}))
    try:
        wait_status(mwaa, name, {"AVAILABLE"}, timeout=120, leaving={"CREATING"})
        yield name
    finally:
        mwaa.delete_environment(Name=name)
        wait_gone(mwaa, name)


def _unchanged(mwaa: Any, name: str, state_table: str) -> None:
    env = mwaa.get_environment(Name=name)["Environment"]
    assert (env["AirflowVersion"], env["Status"]) == ("2.11.0", "AVAILABLE")
    assert "Item" not in boto3.client("dynamodb").get_item(TableName=state_table,
                                                           Key={"env": {"S": f"upgrade:{name}"}})
    assert not [e for e in mwaa.list_environments()["Environments"] if e.startswith(f"{name}-")]


def test_a_blocker_refuses_execute_and_changes_nothing(mwaa: Any, env_2_11: str, state_table: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for strategy in ("in_place", "blue_green"):
        config = UpgradeConfig(environment=env_2_11, region="us-east-1", state_table=state_table, target="3.2.1",
                               strategy=strategy)  # type: ignore[arg-type]
        with pytest.raises(RefusedError, match=r"1 blocker\(s\).*\n.*etl.py:12: AIR301 `schedule_interval`"):
            Runbook(config, checker=blocked).execute()
        _unchanged(mwaa, env_2_11, state_table)

    # the CLI: exit 3, the blocker and the way out named; the dry run says the check will run
    monkeypatch.setattr(gate, "environment_check", blocked)
    common = ["upgrade", "execute", "--env", env_2_11, "--region", "us-east-1", "--state-table", state_table,
              "--to", "3.2.1"]
    refused = CliRunner().invoke(main, [*common, "--yes"])
    assert refused.exit_code == 3, refused.output
    assert "etl.py:12: AIR301" in refused.output and "--skip-check" in refused.output
    dry = CliRunner().invoke(main, [*common, "--skip-check", "--dry-run", "--json"])
    assert dry.exit_code == 0 and "skipped (--skip-check)" in dry.output, dry.output
    _unchanged(mwaa, env_2_11, state_table)


def test_skip_check_is_recorded_and_a_passing_check_too(mwaa: Any, env_2_11: str, state_table: str) -> None:
    config = UpgradeConfig(environment=env_2_11, region="us-east-1", state_table=state_table, target="3.2.1",
                           skip_check=True, snapshot=False, poll_seconds=1, parse_timeout_seconds=1)
    with pytest.raises(Exception):  # noqa: B017 (past the gate; no Airflow here, so a later step fails)
        Runbook(config, checker=never).execute()
    st = state.store(boto3.client("dynamodb"), state_table, env_2_11)
    op = st.read().doc["operation"]
    assert op["check"] == {"ran": False, "skipped": True, "reason": "--skip-check (the operator's override)"}
    assert op["status"] == "failed" and "inventory" in op["steps"]

    def passing(config: UpgradeConfig, env: dict[str, Any], progress: Any) -> CheckReport:
        report = CheckReport(config.environment, "2.11.0", "3.2.1", "in_place")
        report.add(Finding("airflow3", "warning", "deprecated", "etl.py", 3, "AIR311"))
        report.ran.update({"version": {"status": "ok"}, "airflow3": {"status": "warnings"}})
        return report

    record = gate.run_gate(UpgradeConfig(environment=env_2_11, region="us-east-1", state_table=state_table,
                                         target="3.2.1"), {"AirflowVersion": "2.11.0"}, passing, lambda e: None)
    assert record == {"ran": True, "skipped": False, "blocked": False, "blockers": 0, "warnings": 1,
                      "path": "in_place", "checks": {"version": "ok", "airflow3": "warnings"}}
