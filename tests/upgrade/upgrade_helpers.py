"""Helpers for the upgrade tests."""

from __future__ import annotations

from typing import Any

import boto3


def dr_settings(bucket: str) -> dict[str, Any]:
    """The DR backup's configuration options (a KMS key and a location in the emulator)."""
    key = boto3.client("kms").create_key(Description="upgrade tests")["KeyMetadata"]["KeyId"]
    return {"mwaa_platform.dr_backup_url": f"s3://{bucket}/dr", "mwaa_platform.dr_kms_key_id": key,
            "mwaa_platform.dr_backup_schedule": "@once", "mwaa_platform.dr_full_every_hours": "0"}
