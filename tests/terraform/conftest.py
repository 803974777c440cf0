"""Fixtures for running Terraform configurations against the session emulator (see tfhelpers.py)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
import pytest
from tfhelpers import CLI_CONFIG, REPO, Terraform, stage

from mwaa_local.emulator import Emulator


@pytest.fixture(scope="session")
def terraform_ready() -> None:
    """Fail (not skip) with the fix when Terraform or the project's CLI config is missing."""
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH: install Terraform >= 1.9 (tested with 1.11.4)")
    if not CLI_CONFIG.exists():
        pytest.fail(f"{CLI_CONFIG} is missing: run `make setup` (it writes the provider mirror config)")
    subprocess.run(["terraform", "version"], check=True, capture_output=True, timeout=60)


TerraformFactory = Callable[..., Terraform]


@pytest.fixture
def terraform_config(terraform_ready: None, emulator: Emulator, tmp_path: Path) -> TerraformFactory:
    """``terraform_config("modules/x/examples/y", region="us-east-1")`` -> an initialised Terraform on a
    staged copy of that configuration, pointed at the session emulator in ``region``."""

    def make(config: str, region: str = "us-east-1", also: Iterable[str] = ("modules",),
             timeout: float = 600.0) -> Terraform:
        workdir = stage(REPO, config, tmp_path / "stage", also)
        tf = Terraform(workdir, env=emulator.env(region), timeout=timeout)
        tf.init()
        return tf

    return make


@pytest.fixture
def emulator_client(emulator: Emulator) -> Callable[[str, str], Any]:
    """``emulator_client("ec2", "us-west-2")`` -> a boto3 client bound explicitly to the session emulator."""

    def make(service: str, region: str = "us-east-1") -> Any:
        env = emulator.env(region)
        session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=region,
        )
        return session.client(service, endpoint_url=emulator.endpoint)  # type: ignore[call-overload]

    return make
