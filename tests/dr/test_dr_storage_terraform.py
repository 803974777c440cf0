"""modules/dr-storage applied to the emulator (both regions): re-plans clean, TLS-only policies stay in place and
still let TLS clients read, the local replication emulation follows the applied rules, destroy is clean."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dr_storage_helpers import PRIMARY, SECONDARY, s3

from mwaa_local.emulator import Emulator
from mwaa_local.replication import Replicator
from terraform import tfhelpers

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


def _insecure(params: dict[str, Any], **kwargs: Any) -> None:
    params["headers"]["X-Forwarded-Proto"] = "http"


def test_apply_replan_replicate_destroy(emulator: Emulator, aws_env: dict[str, str], tmp_path: Path) -> None:
    workdir = tfhelpers.stage(tfhelpers.REPO, "modules/dr-storage/examples/complete", tmp_path)
    tf = tfhelpers.Terraform(workdir, env=emulator.env(PRIMARY), timeout=600)
    tf.init()
    variables = {"name": f"drt{uuid.uuid4().hex[:6]}", "force_destroy": True}
    try:
        tf.apply(var=variables)
        changes = tf.plan_changes(var=variables)
        assert changes == [], tfhelpers.describe_drift(changes)
        out = tf.output()
        backup, replica = out["primary_buckets"]["backup"]["name"], out["replica_buckets"]["backup"]["name"]
        assert backup.endswith(f"-{PRIMARY}") and replica.endswith(f"-{SECONDARY}")
        primary = s3(PRIMARY)
        primary.put_object(Bucket=backup, Key="local/full-1/manifest.json", Body=b'{"tables": []}')
        head = primary.head_object(Bucket=backup, Key="local/full-1/manifest.json")  # TLS client: allowed
        assert head["SSEKMSKeyId"] == out["primary_kms_key_arn"]
        plain = s3(PRIMARY)
        plain.meta.events.register("before-call.s3.*", _insecure)
        with pytest.raises(ClientError):
            plain.head_object(Bucket=backup, Key="local/full-1/manifest.json")
        report = Replicator().replicate([backup])
        assert [c.split("@")[0] for c in report.copied] == [f"{backup}/local/full-1/manifest.json"]
        copied = s3(SECONDARY).head_object(Bucket=replica, Key="local/full-1/manifest.json")
        assert copied["SSEKMSKeyId"] == out["replica_kms_key_arn"]
    finally:
        tf.destroy(var=variables)
    assert tf.state_list() == []
