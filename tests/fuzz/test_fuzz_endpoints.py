"""Fuzzed endpoint automation: the Lambda handler and ``mwaa-platform endpoints handle EVENT.json``.

Properties: any JSON in -> an Outcome out (never an exception), a rejection makes no AWS call at all, nothing
ever mutates EC2 when AWS knows none of the event's resources, and no secret reaches the logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fuzz_support import SECRET, AwsCalls, field_swaps, file_contents, json_values, mutations, with_secrets
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.endpoints import cli, handler

REGION = "us-east-1"
ACCOUNT = "123456789012"
KEYS = ("source", "detail-type", "account", "region", "detail", "name", "status", "networkConfiguration",
        "subnetIds", "securityGroupIds", "celeryExecutorQueue", "databaseVpcEndpointService",
        "webserverAccessMode", "endpointManagement")
ACTIONS = {"rejected", "ignored", "reconciled", "cleaned"}


def valid_event(status: str = "PENDING") -> dict[str, Any]:
    return {
        "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602", "source": "aws.airflow",
        "detail-type": "MWAA Environment Status Change", "account": ACCOUNT, "region": REGION,
        "time": "2026-11-24T07:00:00Z", "resources": [f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/fuzz"],
        "detail": {
            "name": "fuzz", "status": status, "webserverAccessMode": "PRIVATE_ONLY", "endpointManagement": "CUSTOMER",
            "networkConfiguration": {"subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                                     "securityGroupIds": ["sg-0123456789abcdef0"]},
            "databaseVpcEndpointService": f"com.amazonaws.vpce.{REGION}.vpce-svc-0123456789abcdef0",
            "webserverVpcEndpointService": f"com.amazonaws.vpce.{REGION}.vpce-svc-0123456789abcdef1",
            "celeryExecutorQueue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-0f8e1c2a",
        },
    }


events = (json_values(KEYS) | with_secrets(valid_event()) | mutations(valid_event(), KEYS)
          | mutations(valid_event("DELETED"), KEYS) | mutations(valid_event("AVAILABLE"), KEYS)
          | field_swaps(valid_event(), KEYS))


@pytest.fixture
def unknown_resources(aws_calls: AwsCalls, monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    """AWS that knows none of the event's subnets or endpoints (reads answer empty, writes are refused)."""
    aws_calls.responses.update({"DescribeSubnets": {"Subnets": []}, "DescribeVpcEndpoints": {"VpcEndpoints": []}})
    for key, value in {"ALLOWED_ACCOUNT_IDS": "", "ALLOWED_VPC_IDS": "", "LOG_LEVEL": "DEBUG"}.items():
        monkeypatch.setenv(key, value)
    return aws_calls


@given(event=events)
def test_handler_answers_every_json_value(event: Any, unknown_resources: AwsCalls,
                                          all_logs: pytest.LogCaptureFixture) -> None:
    unknown_resources.reset()
    all_logs.clear()
    outcome = handler.handler(event, None)
    assert outcome["action"] in ACTIONS
    assert unknown_resources.mutating() == []
    if outcome["action"] == "rejected":
        assert outcome["reason"]
        if not unknown_resources.calls:
            assert "event rejected" in all_logs.text
    assert SECRET not in all_logs.text


@given(event=st.one_of(json_values(KEYS), with_secrets(valid_event())))
def test_non_events_are_rejected_before_any_aws_call(event: Any, unknown_resources: AwsCalls) -> None:
    """Random JSON (and a valid event carrying extra secret fields is still valid) - only MWAA's shape passes."""
    unknown_resources.reset()
    outcome = handler.handler(event, None)
    if not (isinstance(event, dict) and event.get("source") == "aws.airflow"):
        assert outcome["action"] == "rejected"
        assert unknown_resources.calls == []


@given(content=file_contents(st.one_of(json_values(KEYS), mutations(valid_event(), KEYS))))
def test_cli_handle_rejects_bad_files_with_a_message(content: bytes, unknown_resources: AwsCalls, tmp_path: Path,
                                                     all_logs: pytest.LogCaptureFixture) -> None:
    unknown_resources.reset()
    all_logs.clear()
    event_file = tmp_path / "event.json"
    event_file.write_bytes(content)
    result = CliRunner().invoke(cli.group, ["handle", str(event_file), "--region", REGION])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert unknown_resources.mutating() == []
    if result.exit_code != 0:
        assert result.exit_code in (1, 2) and result.output.strip()
    assert SECRET not in result.output + all_logs.text
