"""The local replication EMULATION (moto does not replicate) and the one-time initial copy script."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from dr_storage_helpers import PRIMARY, SECONDARY, make_pair, s3

from mwaa_local.replication import REPLICA_MARKER, Replicator, rules_of

REPO = Path(__file__).resolve().parents[2]


def _script() -> Any:
    if "dr_initial_copy" in sys.modules:
        return sys.modules["dr_initial_copy"]
    spec = importlib.util.spec_from_file_location("dr_initial_copy", REPO / "scripts" / "dr_initial_copy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["dr_initial_copy"] = module
    spec.loader.exec_module(module)
    return module


def test_new_versions_replicate_reencrypted_and_only_once(aws_env: dict[str, str], tmp_path: Path) -> None:
    pair = make_pair()
    primary, secondary = s3(PRIMARY), s3(SECONDARY)
    primary.put_object(Bucket=pair.source, Key="env/snap-1/manifest.json", Body=b"v1", ContentType="application/json")
    primary.put_object(Bucket=pair.source, Key="env/snap-1/manifest.json", Body=b"v2", ContentType="application/json",
                       Metadata={"kind": "full"})
    primary.put_object(Bucket=pair.source, Key="env/old.txt", Body=b"old")
    primary.delete_object(Bucket=pair.source, Key="env/old.txt")  # a delete marker, not replicated by this rule
    state = tmp_path / "replication.json"
    report = Replicator(state_file=state).replicate([pair.source])
    assert len(report.copied) == 3 and report.skipped_delete_markers == 1
    got = secondary.get_object(Bucket=pair.destination, Key="env/snap-1/manifest.json")
    assert got["Body"].read() == b"v2"  # the latest version is the replica's latest
    assert got["Metadata"]["kind"] == "full" and got["ContentType"] == "application/json"
    assert got["SSEKMSKeyId"] == pair.replica_key and got.get("StorageClass") == "STANDARD_IA"
    assert got["Metadata"][REPLICA_MARKER].startswith(f"{pair.source}/env/snap-1/manifest.json@")
    assert secondary.get_object(Bucket=pair.destination, Key="env/old.txt")["Body"].read() == b"old"
    versions = secondary.list_object_versions(Bucket=pair.destination)["Versions"]
    # a new replicator with the same state file copies nothing again
    assert Replicator(state_file=state).replicate([pair.source]).copied == []
    assert len(secondary.list_object_versions(Bucket=pair.destination)["Versions"]) == len(versions)


def test_prefix_and_delete_marker_rules(aws_env: dict[str, str]) -> None:
    pair = make_pair(prefix="prod/", delete_markers=True)
    primary, secondary = s3(PRIMARY), s3(SECONDARY)
    rules = rules_of(primary, pair.source)
    assert len(rules) == 1 and rules[0].prefix == "prod/" and rules[0].replicate_delete_markers
    primary.put_object(Bucket=pair.source, Key="prod/a", Body=b"a")
    primary.put_object(Bucket=pair.source, Key="dev/b", Body=b"b")
    replicator = Replicator()
    assert [c.split("@")[0] for c in replicator.replicate([pair.source]).copied] == [f"{pair.source}/prod/a"]
    primary.delete_object(Bucket=pair.source, Key="prod/a")
    assert len(replicator.replicate([pair.source]).delete_markers) == 1
    listed = secondary.list_objects_v2(Bucket=pair.destination).get("Contents", [])
    assert listed == []  # deleted in the replica too (a delete marker on top), dev/ was never copied


def test_initial_copy_is_idempotent(aws_env: dict[str, str], tmp_path: Path) -> None:
    pair = make_pair()
    primary, secondary = s3(PRIMARY), s3(SECONDARY)
    for i in range(5):  # objects that existed before replication was switched on
        primary.put_object(Bucket=pair.source, Key=f"dags/dag_{i}.py", Body=f"# dag {i}".encode())
    output = {pair.source: {"purpose": "dags", "destination_bucket": pair.destination,
                            "destination_region": SECONDARY, "replica_kms_key": pair.replica_key, "prefix": ""}}
    pairs_file = tmp_path / "replication.json"
    pairs_file.write_text(json.dumps(output))
    script = REPO / "scripts" / "dr_initial_copy.py"
    dry = subprocess.run([sys.executable, str(script), "--pairs", str(pairs_file), "--dry-run", "--json"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert dry.returncode == 0, dry.stderr
    assert next(iter(json.loads(dry.stdout).values()))["copied"] == 5
    assert secondary.list_objects_v2(Bucket=pair.destination).get("KeyCount", 0) == 0  # dry run copied nothing
    first = subprocess.run([sys.executable, str(script), "--pairs", str(pairs_file), "--json"],
                           capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert next(iter(json.loads(first.stdout).values()))["copied"] == 5
    head = secondary.head_object(Bucket=pair.destination, Key="dags/dag_3.py")
    assert head["SSEKMSKeyId"] == pair.replica_key
    assert head["Metadata"]["mwaa-platform-source-version"] == primary.head_object(
        Bucket=pair.source, Key="dags/dag_3.py")["VersionId"]
    second = _script().copy_pair(_script().pairs_from_output(output)[0])
    assert second.copied == [] and len(second.skipped) == 5 and not second.failed
    primary.put_object(Bucket=pair.source, Key="dags/dag_3.py", Body=b"# changed")
    third = _script().copy_pair(_script().pairs_from_output(output)[0])
    assert third.copied == ["dags/dag_3.py"]
    assert secondary.get_object(Bucket=pair.destination, Key="dags/dag_3.py")["Body"].read() == b"# changed"
