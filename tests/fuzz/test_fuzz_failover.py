"""Fuzzed failover entry points: every Task handler of the state machine, on_failure, and ``failover --config``.

Properties: a malformed event is refused with ConfigError before any AWS call; a well-formed one may only
fail with an AWS or failover error (never AttributeError/TypeError/KeyError); a configuration file the CLI
cannot use exits 1 with a message and no AWS call; task tokens and secret values never reach a log line.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from click.testing import CliRunner
from fuzz_support import SECRET, AwsCalls, field_swaps, file_contents, json_values, mutations, with_secrets
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.failover import cli, handlers
from mwaa_platform.failover.errors import ConfigError, FailoverError

CONFIG: dict[str, Any] = {
    "env": "fuzz", "primary_region": "us-east-1", "secondary_region": "us-west-2",
    "primary_environment": "fuzz-primary", "secondary_environment": "fuzz-secondary",
    "state_table": "mwaa-platform-failover", "config_bucket": "fuzz-dr-config", "backup_url": "s3://fuzz-replica/fuzz",
    "dr_mode": "backup_restore", "topic_arn": "arn:aws:sns:us-west-2:123456789012:dr", "lease_seconds": 120,
    "health": {"period_seconds": 60, "periods": 5, "unhealthy_periods": 3, "canary_dag_id": "canary"},
    "secondary_overrides": {"AirflowConfigurationOptions": {"smtp.smtp_password": SECRET}},
    "never_pause_dags": ["dr_restore"], "restore_in_flight": "rerun",
}
EVENT: dict[str, Any] = {
    "input": {"operation": "failover", "force": False}, "results": {"evaluate_health": {"decision": "unhealthy"}},
    "execution": "arn:aws:states:us-west-2:123456789012:execution:fuzz-failover:run-1", "task_token": SECRET,
    "error": {"Error": "States.TaskFailed", "Cause": json.dumps({"errorMessage": "boom"})},
}
KEYS = ("input", "results", "execution", "task_token", "error", "operation", "Error", "Cause")
EXPECTED_FAILURES = (ClientError, BotoCoreError, FailoverError)


def _well_formed(event: Any, handler: str) -> bool:
    """The documented event shape (handlers.py docstring); anything else must be a ConfigError."""
    if not isinstance(event, dict):
        return False
    inp, results, error = event.get("input"), event.get("results"), event.get("error")
    if handler == "on_failure" and not isinstance(error, dict | None):
        return False
    return (isinstance(inp, dict | None) and isinstance(results, dict | None)
            and isinstance(event.get("execution"), str) and bool(event["execution"])
            and (inp or {}).get("operation", "failover") == "failover")


@pytest.fixture
def lambda_env(aws_calls: AwsCalls, monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    monkeypatch.setenv("MWAA_PLATFORM_FAILOVER_CONFIG", json.dumps(CONFIG))
    return aws_calls


EVENTS = st.one_of(json_values(KEYS), with_secrets(EVENT), mutations(EVENT, KEYS), field_swaps(EVENT, KEYS))


@given(name=st.sampled_from(sorted(set(handlers.HANDLERS) - {"on_failure"})), event=EVENTS)
def test_step_handlers_refuse_malformed_events_before_any_aws_call(name: str, event: Any, lambda_env: AwsCalls,
                                                                   all_logs: pytest.LogCaptureFixture) -> None:
    _check_handler(name, event, lambda_env, all_logs)


@given(event=EVENTS | json_values(KEYS).map(lambda error: {**EVENT, "error": error}))
def test_on_failure_refuses_malformed_events_before_any_aws_call(event: Any, lambda_env: AwsCalls,
                                                                 all_logs: pytest.LogCaptureFixture) -> None:
    """The Catch target reads ``error`` too: any JSON there is refused or recorded, never a crash."""
    _check_handler("on_failure", event, lambda_env, all_logs)


def _check_handler(name: str, event: Any, lambda_env: AwsCalls, all_logs: pytest.LogCaptureFixture) -> None:
    lambda_env.reset()
    all_logs.clear()
    try:
        handlers.HANDLERS[name](copy.deepcopy(event), None)
    except ConfigError:
        assert not _well_formed(event, name)
        assert lambda_env.calls == []
    except EXPECTED_FAILURES:  # the fuzz AWS refuses every call: a well-formed event fails there
        assert _well_formed(event, name)
    else:
        assert _well_formed(event, name)
    assert SECRET not in all_logs.text


def _config_documents() -> st.SearchStrategy[Any]:
    return st.one_of(json_values(tuple(CONFIG)), mutations(CONFIG, (*CONFIG, *CONFIG["health"])), field_swaps(CONFIG),
                     mutations(CONFIG["health"]).map(lambda h: {**CONFIG, "health": h}))


@given(content=file_contents(_config_documents()),
       command=st.sampled_from([["status"], ["plan"], ["execute", "--dry-run"], ["resume", "--dry-run"],
                                ["failback", "--dry-run"]]))
def test_cli_rejects_unusable_config_files(content: bytes, command: list[str], aws_calls: AwsCalls, tmp_path: Path,
                                           all_logs: pytest.LogCaptureFixture) -> None:
    aws_calls.reset()
    all_logs.clear()
    config_file = tmp_path / "failover.json"
    config_file.write_bytes(content)
    result = CliRunner().invoke(cli.group, [*command, "--env", "fuzz", "--config", str(config_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if not aws_calls.calls:  # refused before AWS: the configuration was the problem
        assert result.exit_code == 1 and result.output.startswith("configuration: "), result.output
    assert aws_calls.mutating() == []
    assert SECRET not in result.output + all_logs.text
