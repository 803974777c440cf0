"""`mwaa-platform failover` reads its configuration from the SecureString parameter modules/dr-failover writes."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from moto import mock_aws

from mwaa_platform.failover.cli import load_config
from mwaa_platform.failover.config import ENV_VARIABLE, FailoverConfig, ssm_parameter_name

REGION = "us-west-2"
DOC = {
    "env": "prod", "primary_region": "us-east-1", "secondary_region": REGION,
    "primary_environment": "mwaa-prod", "secondary_environment": "mwaa-prod",
    "state_table": "mwaa-prod-failover-state", "config_bucket": "mwaa-prod-backup-replica",
    "backup_url": "s3://mwaa-prod-backup-replica/prod",
    "secondary_overrides": {"AirflowConfigurationOptions": {"smtp.smtp_password": "not-for-logs"}},
}


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "HTTP_PROXY", "HTTPS_PROXY")) or name == ENV_VARIABLE:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.mark.usefixtures("offline_aws")
def test_reads_the_secure_string_parameter_decrypted() -> None:
    with mock_aws():
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=ssm_parameter_name("prod"), Type="SecureString", KeyId=key, Value=json.dumps(DOC))
        config = load_config("prod", None, REGION)
    assert config == FailoverConfig.from_dict(DOC)
