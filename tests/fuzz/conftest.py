"""Hypothesis profiles and fixtures for the fuzzed entry points (no emulator: every AWS call is recorded).

Profiles: ``ci`` (default; derandomized, bounded, no example database) and ``dev`` (more examples, random).
Pick one with ``HYPOTHESIS_PROFILE=dev``.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from botocore.client import BaseClient
from fuzz_support import AwsCalls
from hypothesis import HealthCheck, settings

_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_CHECKS, print_blob=True)
settings.register_profile("dev", max_examples=300, deadline=None, suppress_health_check=_CHECKS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@functools.cache
def _shared_loader(data_path: str | None = None) -> botocore.loaders.Loader:
    return botocore.loaders.create_loader(data_path)


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsCalls]:
    """Every AWS API call any boto3 client makes, recorded and answered locally (no network, no emulator)."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fuzz")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fuzz")  # a dummy: clients need one to be built
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # One loader for every session the code under test creates: service models are parsed once, not per client.
    monkeypatch.setattr(botocore.session, "create_loader", _shared_loader)
    calls = AwsCalls()
    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return calls.answer(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    yield calls


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog at DEBUG on the root logger, so a secret logged at any level is seen."""
    caplog.set_level(logging.DEBUG)
    for noisy in ("botocore", "boto3", "urllib3"):  # their DEBUG is client set-up chatter, and slow to format
        caplog.set_level(logging.INFO, noisy)
    return caplog
