"""`mwaa-platform endpoints ...`: the Lambda's flows by hand, through the project CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from endpoint_helpers import ACCOUNT, REGION, Network, endpoints_for, make_event, service_name

from mwaa_platform import cli
from mwaa_platform.endpoints import cli as endpoints_cli

pytestmark = pytest.mark.emulator


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli.main, ["endpoints", *args], catch_exceptions=False)


def test_handle_runs_the_lambda_logic_on_a_saved_event(network: Network, ec2: Any, tmp_path: Path) -> None:
    database = service_name()
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(make_event("cli-env", network, database=database)))
    result = invoke("handle", str(event_file), "--region", REGION)
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["action"] == "reconciled"
    [endpoint] = endpoints_for(ec2, network.vpc_id, database)
    assert outcome["endpoints"] == {"database": endpoint["VpcEndpointId"]}

    listed = invoke("list", "--env", "cli-env", "--account", ACCOUNT, "--region", REGION)
    assert [row["id"] for row in json.loads(listed.output)] == [endpoint["VpcEndpointId"]]

    cleaned = invoke("cleanup", "--env", "cli-env", "--account", ACCOUNT, "--region", REGION)
    assert json.loads(cleaned.output)["deleted"] == [endpoint["VpcEndpointId"]]
    assert endpoints_for(ec2, network.vpc_id, database) == []


def test_handle_reports_a_rejected_event_with_exit_code_2(tmp_path: Path, aws_env: dict[str, str]) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"source": "aws.ec2", "detail-type": "x", "detail": {"a": 1}}))
    result = invoke("handle", str(event_file), "--region", REGION)
    assert result.exit_code == 2
    assert json.loads(result.output)["action"] == "rejected"


def test_handle_refuses_a_file_that_is_not_json(tmp_path: Path, aws_env: dict[str, str]) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text("{not json")
    result = invoke("handle", str(event_file), "--region", REGION)
    assert result.exit_code == 1 and "is not JSON" in result.output


def test_reconcile_reads_the_environment_and_creates_its_endpoints(
        network: Network, ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    database, webserver = service_name(), service_name()
    environment = {
        "Arn": f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/by-hand", "Name": "by-hand", "Status": "PENDING",
        "EndpointManagement": "CUSTOMER", "WebserverAccessMode": "PRIVATE_ONLY",
        "DatabaseVpcEndpointService": database, "WebserverVpcEndpointService": webserver,
        "NetworkConfiguration": {"SubnetIds": network.subnet_ids, "SecurityGroupIds": [network.security_group_id]},
    }
    asked: list[tuple[str, str | None]] = []

    def fetch(name: str, region: str | None) -> dict[str, Any]:
        asked.append((name, region))
        return environment

    monkeypatch.setattr(endpoints_cli, "fetch_environment", fetch)
    result = invoke("reconcile", "--env", "by-hand", "--region", REGION)
    assert result.exit_code == 0, result.output
    assert asked == [("by-hand", REGION)]
    assert len(endpoints_for(ec2, network.vpc_id, database)) == 1
    assert len(endpoints_for(ec2, network.vpc_id, webserver)) == 1

    removed = invoke("reconcile", "--env", "by-hand", "--region", REGION, "--status", "DELETED")
    assert sorted(json.loads(removed.output)["deleted"]) == sorted(json.loads(result.output)["endpoints"].values())

    environment["EndpointManagement"] = "SERVICE"
    refused = CliRunner().invoke(cli.main, ["endpoints", "reconcile", "--env", "by-hand", "--region", REGION])
    assert refused.exit_code == 1 and "MWAA manages its endpoints itself" in refused.output
