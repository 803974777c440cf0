"""Fuzzed metadata CLI: ``metadata verify`` and ``metadata restore`` reading a snapshot manifest from S3.

The manifest is the file these commands read: here S3 (the recording stand-in) serves a fuzzed one. Properties:
an unusable manifest ends the command with a message and a non-zero exit, never a traceback; nothing is written
(to S3 or the database); the database password and the snapshot's wrapped data key never reach the output.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from fuzz_support import SECRET, AwsCalls, field_swaps, file_contents, json_values, mutations
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.metadata import cli

SNAPSHOT = "20261124T071530123Z-full-ab12cd"
LOCATION = "s3://fuzz-dr/prefix"
DATA: dict[str, Any] = {"key": "t/dag/data.copy.zst", "codec": "zstd", "format": "binary", "rows": 2, "bytes": 10,
                        "raw_bytes": 20, "sha256": "0" * 64}
MANIFEST: dict[str, Any] = {
    "format": "mwaa-platform-metadata-snapshot/1", "snapshot_id": SNAPSHOT, "kind": "full", "parent": None,
    "base": None, "created_at": "2026-11-24T07:15:30Z", "completed_at": "2026-11-24T07:15:40Z",
    "source": {"alembic_revision": "5f2621c13b39"}, "pg_snapshot": {"xmin": 1}, "schema_fingerprint": "f" * 16,
    "schema": {"dag": {"columns": ["dag_id"]}}, "excluded": {}, "options": {},
    "tables": [{"name": "dag", "columns": ["dag_id"], "data": DATA, "mode": "full"}],
    "secrets": {"data_key": SECRET, "kms_key_id": "alias/dr", "encryption_context": {"snapshot": SNAPSHOT}},
}
KEYS = (*MANIFEST, *DATA, "name", "columns", "data", "mode", "keyset", "keyset_kind")
COMMANDS = [["verify", "--location", LOCATION, SNAPSHOT],
            ["restore", "--location", LOCATION, SNAPSHOT, "--dry-run",
             "--db-url", f"postgresql://airflow:{SECRET}@127.0.0.1:1/airflow"]]


def _serve(calls: AwsCalls, manifest: bytes) -> None:
    """S3 holding one snapshot: its manifest (fuzzed) and the data object it names (right size)."""
    objects = {f"prefix/{SNAPSHOT}/manifest.json": manifest, f"prefix/{SNAPSHOT}/{DATA['key']}": b"0123456789"}

    def get_object(params: dict[str, Any]) -> dict[str, Any]:
        return {"Body": io.BytesIO(objects[params["Key"]]), "ContentLength": len(objects[params["Key"]])}

    def list_objects(params: dict[str, Any]) -> dict[str, Any]:
        found = [{"Key": k, "Size": len(v)} for k, v in objects.items() if k.startswith(params.get("Prefix", ""))]
        return {"Contents": found, "KeyCount": len(found), "IsTruncated": False}

    calls.responses.update({"GetObject": get_object, "ListObjectsV2": list_objects})


manifests = st.one_of(file_contents(json_values(KEYS)), file_contents(mutations(MANIFEST, KEYS)),
                      file_contents(field_swaps(MANIFEST, KEYS)),
                      st.just(json.dumps(MANIFEST).encode()))


# Found by this fuzzing and fixed: a manifest that is not UTF-8 JSON, not an object, or has a non-string
# schema_fingerprint or file key crashed the engine instead of being refused (test_metadata_verify_reproducers).


@given(manifest=manifests, command=st.sampled_from(COMMANDS))
def test_commands_survive_any_manifest(manifest: bytes, command: list[str], aws_calls: AwsCalls,
                                       monkeypatch: pytest.MonkeyPatch, all_logs: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", SECRET)
    aws_calls.reset()
    all_logs.clear()
    _serve(aws_calls, manifest)
    result = CliRunner().invoke(cli.group, command, obj={})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1) and result.output.strip()
    assert aws_calls.mutating() == []
    assert SECRET not in result.output + all_logs.text


def _manifest(**changes: Any) -> bytes:
    doc = json.loads(json.dumps(MANIFEST))
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize("manifest", [
    b"", b"[]", b"\xc0\xff", b"[" * 3000 + b"]" * 3000, _manifest(schema_fingerprint={}),
    _manifest(tables=[{**MANIFEST["tables"][0], "data": {**DATA, "key": 7}}]),
], ids=["empty", "array", "not-utf8", "deep", "fingerprint-object", "file-key-int"])
def test_metadata_verify_reproducers(manifest: bytes, aws_calls: AwsCalls) -> None:
    """One input per bug above, for the metadata owners: each must end in a message and exit 1, not a traceback."""
    _serve(aws_calls, manifest)
    result = CliRunner().invoke(cli.group, COMMANDS[0], obj={})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1 and result.output.strip()


def test_a_valid_manifest_verifies(aws_calls: AwsCalls) -> None:
    """The stand-in S3 is faithful enough: the unmutated manifest and its data object pass verify."""
    _serve(aws_calls, json.dumps(MANIFEST).encode())
    result = CliRunner().invoke(cli.group, COMMANDS[0], obj={})
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {SNAPSHOT}")
    assert aws_calls.mutating() == []
