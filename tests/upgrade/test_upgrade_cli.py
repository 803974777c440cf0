"""The upgrade CLI on the local MWAA's control plane (seconds): --dry-run shows the plan and changes nothing,
an in-place upgrade MWAA does not allow is refused with exit 3 and no state, status reads back, bad input is 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import boto3
import pytest
from mwaa_local_helpers import Infra, wait_gone, wait_status

pytestmark = [pytest.mark.emulator]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MWAA_PLATFORM_UPGRADE_STATE_TABLE"}
    return subprocess.run([sys.executable, "-m", "mwaa_platform.cli", "upgrade", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_dry_run_refusal_status_and_bad_input(mwaa: Any, infra: Infra, state_table: str) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    mwaa.create_environment(**infra.params(name, AirflowVersion="2.10.3", Tags={"mwaa-local:runtime": "none"}))
    try:
        wait_status(mwaa, name, {"AVAILABLE"}, timeout=120, leaving={"CREATING"})
        common = ["--env", name, "--region", "us-east-1", "--state-table", state_table]
        dry = cli("execute", *common, "--to", "3.2.1", "--strategy", "blue-green", "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        plan = json.loads(dry.stdout)
        assert plan["target_environment"] == f"{name}-3-2" and plan["preflight"]["path"] == "new_environment"
        assert [r["step"] for r in plan["steps"]][:3] == ["create_environment", "wait_available", "inventory"]

        refused = cli("execute", *common, "--to", "3.2.1", "--strategy", "in-place", "--yes")
        assert refused.returncode == 3, refused.stderr
        assert "not supported in place" in refused.stderr and "blue-green" in refused.stderr
        assert "Item" not in boto3.client("dynamodb").get_item(TableName=state_table,
                                                               Key={"env": {"S": f"upgrade:{name}"}})
        assert mwaa.get_environment(Name=name)["Environment"]["AirflowVersion"] == "2.10.3"

        status = cli("status", *common, "--json")
        assert status.returncode == 0, status.stderr
        doc = json.loads(status.stdout)
        assert (doc["airflow_version"], doc["operation"], doc["status"]) == ("2.10.3", None, "AVAILABLE")

        nothing = cli("resume", *common, "--yes")
        assert nothing.returncode == 3 and "no interrupted or failed upgrade" in nothing.stderr
        bad = cli("execute", *common, "--to", "9.9.9", "--yes")
        assert bad.returncode == 1 and "not a version MWAA has offered" in bad.stderr
        no_table = cli("execute", "--env", name, "--to", "3.2.1", "--yes")
        assert no_table.returncode == 1 and "--state-table" in no_table.stderr
    finally:
        mwaa.delete_environment(Name=name)
        wait_gone(mwaa, name)
