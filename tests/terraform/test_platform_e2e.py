"""End to end: the platform root stack applies into the emulator in two regions through the same path users
take (scripts/tf.sh: S3 backend in the emulator, workspace per region), re-plans with no changes, and
destroys leaving no VPC behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import boto3
import pytest

from mwaa_platform.local.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
REGIONS = ("us-east-1", "us-west-2")

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


def _tf(action: str, region: str, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts" / "tf.sh"), action, "platform", "local", region, "-no-color", *extra],
                          env=env, capture_output=True, text=True, timeout=900, check=False)


def _env(emulator: Emulator, region: str, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(emulator.env(region))
    env["MWAA_PLATFORM_STATE"] = str(state)
    env["TF_CLI_CONFIG_FILE"] = str(REPO / ".state" / "terraform.rc")
    return env


def _platform_vpcs(region: str, env: dict[str, str]) -> list[str]:
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:mwaa-platform:environment", "Values": ["local"]}])["Vpcs"]
    return [v["VpcId"] for v in vpcs]


def test_platform_two_regions_apply_replan_destroy(emulator: Emulator, tmp_path: Path) -> None:
    applied: list[str] = []
    try:
        for region in REGIONS:
            result = _tf("apply", region, _env(emulator, region, tmp_path))
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            applied.append(region)
            assert len(_platform_vpcs(region, _env(emulator, region, tmp_path))) == 1

        for region in REGIONS:
            result = _tf("plan", region, _env(emulator, region, tmp_path), "-detailed-exitcode")
            assert result.returncode == 0, f"drift in {region}:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"

        # state lives in the emulator's S3, one workspace per region
        s3 = boto3.client("s3", endpoint_url=emulator.endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="mwaa-platform-local-tfstate")["Contents"]}
        assert {f"env:/{r}/platform/terraform.tfstate" for r in REGIONS} <= keys
    finally:
        for region in reversed(applied):
            result = _tf("destroy", region, _env(emulator, region, tmp_path))
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for region in REGIONS:
        assert _platform_vpcs(region, _env(emulator, region, tmp_path)) == []
