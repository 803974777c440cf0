"""Fixtures for the k8s bootstrap tests: a bootstrap spec like the eks-irsa module's output, a running API
server double, and static dummy AWS credentials (token presigning is local and needs no endpoint)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from apiserver_double import ApiServerDouble
from k8s_outputs import CLUSTER


@pytest.fixture
def dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Static credentials so botocore can sign; no AWS endpoint is contacted."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def apiserver() -> Iterator[ApiServerDouble]:
    with ApiServerDouble(CLUSTER) as double:
        yield double
