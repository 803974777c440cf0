"""Fuzzed DAG invokers: the scheduled and S3 Lambda handlers, and ``api variables|connections import FILE``.

Properties: a malformed event is answered ``{"status": "rejected", "reason": ...}`` with no AWS call; a file
the importer cannot use is refused with a message (exit 1/2) before any call to Airflow; variable values,
connection passwords and conf values never reach a log line or the CLI's output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import BotoCoreError, ClientError
from click.testing import CliRunner
from fuzz_support import SECRET, AwsCalls, field_swaps, file_contents, json_values, mutations, with_secrets
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.airflow_api import cli, handlers
from mwaa_platform.airflow_client.errors import AirflowApiError

FLOWS = {"nightly": {"dag_id": "nightly_etl", "conf": {"token": SECRET}}}
ROUTES = {"incoming/": {"dag_id": "ingest", "conf": {"password": SECRET}}}
SCHEDULED = {"flow_id": "nightly", "scheduled_time": "2026-11-24T07:00:00Z", "execution_id": "exec-1"}
S3_EVENT = {"version": "0", "source": "aws.s3", "detail-type": "Object Created", "time": "2026-11-24T07:00:00Z",
            "detail": {"bucket": {"name": "fuzz-landing"},
                       "object": {"key": "incoming/a.csv", "size": 10, "etag": "abc", "sequencer": "0A1B"}}}
S3_RECORDS = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                           "eventTime": "2026-11-24T07:00:00Z",
                           "s3": {"bucket": {"name": "fuzz-landing"},
                                  "object": {"key": "incoming/b+c.csv", "size": 3, "eTag": "e", "sequencer": "01"}}}]}
KEYS = ("flow_id", "scheduled_time", "execution_id", "source", "detail-type", "detail", "bucket", "object", "name",
        "key", "Records", "eventSource", "eventName", "s3")
# What reaching Airflow may fail with here: the fuzz AWS refuses InvokeRestApi.
AIRFLOW_UNREACHABLE = (ClientError, BotoCoreError, AirflowApiError)


@pytest.fixture
def invoker_env(aws_calls: AwsCalls, monkeypatch: pytest.MonkeyPatch) -> AwsCalls:
    monkeypatch.setenv("MWAA_ENVIRONMENT_NAME", "fuzz-env")
    monkeypatch.setenv("AIRFLOW_VERSION", "2.10.3")
    monkeypatch.setenv("FLOWS", json.dumps(FLOWS))
    monkeypatch.setenv("KEY_ROUTES", json.dumps(ROUTES))
    monkeypatch.setenv("BUCKETS", json.dumps(["fuzz-landing"]))
    return aws_calls


def _invoke(fn: Any, event: Any, calls: AwsCalls, logs: pytest.LogCaptureFixture) -> None:
    calls.reset()
    logs.clear()
    try:
        result = fn(event, None)
    except AIRFLOW_UNREACHABLE:
        assert calls.calls, "only a call to Airflow may fail"
    else:
        assert result["status"] in ("ok", "rejected")
        if result["status"] == "rejected":
            assert result["reason"] and calls.calls == []
    assert SECRET not in logs.text


@given(event=st.one_of(json_values(KEYS), with_secrets(SCHEDULED), mutations(SCHEDULED, KEYS),
                       field_swaps(SCHEDULED, KEYS)))
def test_scheduled_handler(event: Any, invoker_env: AwsCalls, all_logs: pytest.LogCaptureFixture) -> None:
    _invoke(handlers.scheduled, event, invoker_env, all_logs)


@given(event=st.one_of(json_values(KEYS), with_secrets(S3_EVENT), mutations(S3_EVENT, KEYS),
                       mutations(S3_RECORDS, KEYS), field_swaps(S3_EVENT, KEYS)))
def test_s3_handler(event: Any, invoker_env: AwsCalls, all_logs: pytest.LogCaptureFixture) -> None:
    _invoke(handlers.s3, event, invoker_env, all_logs)


VARIABLES = {"api_base": "https://example.com", "api_token": SECRET, "limits": {"rows": 5}}
CONNECTIONS = {"warehouse": f"postgres://etl:{SECRET}@db.example.com:5432/dw?sslmode=require",
               "api": {"conn_type": "http", "host": "api.example.com", "password": SECRET, "extra": {"a": 1}}}
TRICKY_YAML = [b"when: 2026-11-24\n", b"a: !!binary aGk=\n", b"? [1, 2]\n: x\n", b"x: &a [*a]\n", b"- 1\n- 2\n",
               b"k: .nan\n", b"k: 2026-11-24 07:00:00\n", f"c: postgres://u:{SECRET}@[::1/db\n".encode(),
               f"c: 'http://u:{SECRET}@h:99999/'\n".encode(), b"c: '://nohost'\n"]


def _documents(valid: dict[str, Any]) -> st.SearchStrategy[bytes]:
    docs = st.one_of(json_values(), mutations(valid), field_swaps(valid))
    return st.one_of(file_contents(docs), docs.map(lambda d: yaml.safe_dump(d).encode()), st.sampled_from(TRICKY_YAML))


@given(kind=st.sampled_from(["variables", "connections"]), suffix=st.sampled_from([".json", ".yaml", ".txt"]),
       dry_run=st.booleans(), data=st.data())
def test_import_refuses_unusable_files_before_any_call(kind: str, suffix: str, dry_run: bool, data: st.DataObject,
                                                       aws_calls: AwsCalls, tmp_path: Path,
                                                       all_logs: pytest.LogCaptureFixture) -> None:
    content = data.draw(_documents(VARIABLES if kind == "variables" else CONNECTIONS))
    aws_calls.reset()
    all_logs.clear()
    path = tmp_path / f"{kind}{suffix}"
    path.write_bytes(content)
    args = ["--env", "fuzz-env", "--via", "invoke", "--region", "us-east-1", "--airflow-version", "2.10.3",
            kind, "import", str(path), *(["--dry-run"] if dry_run else [])]
    result = CliRunner().invoke(cli.group, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0 and not aws_calls.calls:
        assert result.exit_code in (1, 2) and "Error" in result.output, result.output
    if dry_run:
        assert aws_calls.calls == []
    assert SECRET not in result.output + all_logs.text


@pytest.mark.parametrize("kind", ["variables", "connections"])
@pytest.mark.parametrize("content", TRICKY_YAML, ids=range(len(TRICKY_YAML)))
def test_import_refuses_yaml_that_is_not_json(kind: str, content: bytes, aws_calls: AwsCalls, tmp_path: Path) -> None:
    """Seeds the fuzzer missed: YAML-only types, self-references and broken URIs once escaped as tracebacks."""
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(cli.group, ["--env", "fuzz-env", "--via", "invoke", "--airflow-version", "2.10.3",
                                            kind, "import", str(path), "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2) and result.output.strip()
    assert aws_calls.calls == []
    assert SECRET not in result.output
