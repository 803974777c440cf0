"""Fixtures for the failover tests: the session emulator, a fake MWAA (see fake_mwaa.py), per-test platform
envs (state table item, config bucket, SNS topic with an SQS reader) and a deployed state machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dr_helpers import Deployment, Platform, build_zip, make_platform
from fake_mwaa import FakeMwaa

from mwaa_local.emulator import Emulator


@pytest.fixture(scope="session")
def fake_mwaa(emulator: Emulator) -> Iterator[FakeMwaa]:
    fake = FakeMwaa(emulator.env("us-east-1"))
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def routed(aws_env: dict[str, str], fake_mwaa: FakeMwaa, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """boto3 in this test reaches the emulator, and MWAA (through HTTP_PROXY) the fake."""
    for key, value in fake_mwaa.env().items():
        monkeypatch.setenv(key, value)
    return {**aws_env, **fake_mwaa.env()}


@pytest.fixture
def platform(routed: dict[str, str], fake_mwaa: FakeMwaa) -> Callable[..., Platform]:
    def make(**overrides: Any) -> Platform:
        return make_platform(fake_mwaa, **overrides)

    return make


@pytest.fixture(scope="session")
def failover_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_zip(tmp_path_factory.mktemp("zip") / "failover.zip")


@pytest.fixture
def deploy(routed: dict[str, str], fake_mwaa: FakeMwaa, failover_zip: bytes) -> Callable[..., Deployment]:
    def make(platform: Platform, extra_env: dict[str, str] | None = None) -> Deployment:
        return Deployment.create(platform, failover_zip, {**fake_mwaa.env(), **(extra_env or {})})

    return make
