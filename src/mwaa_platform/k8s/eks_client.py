"""A ``kubernetes`` ApiClient for an EKS cluster, authenticated with an STS-presigned token.

The endpoint and CA bundle come from DescribeCluster (or are given, e.g. a tunnel to a private endpoint, or a
test double). The token is renewed before EKS would reject it. Nothing is written but the CA bundle, to a
0700 temporary directory removed on exit: no kubeconfig, and no credential, ever reaches disk or S3.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from kubernetes import client as k8s

from mwaa_platform import aws
from mwaa_platform.k8s import eks_token


class ClusterNotReadyError(RuntimeError):
    """The cluster is not ACTIVE or has no endpoint yet."""


@dataclass(frozen=True)
class ClusterEndpoint:
    server: str
    ca_data: str | None  # base64 PEM, as EKS returns it


def describe(cluster_name: str, region: str | None = None,
             session: boto3.session.Session | None = None) -> ClusterEndpoint:
    cluster = aws.client("eks", region, session=session).describe_cluster(name=cluster_name)["cluster"]
    if cluster.get("status") != "ACTIVE" or not cluster.get("endpoint"):
        status = cluster.get("status")
        raise ClusterNotReadyError(f"EKS cluster {cluster_name} is {status}, not ACTIVE with an endpoint")
    return ClusterEndpoint(cluster["endpoint"], (cluster.get("certificateAuthority") or {}).get("data"))


def _token_hook(cluster_name: str, region: str | None, session: boto3.session.Session | None) -> Any:
    state: dict[str, eks_token.Token] = {}

    def refresh(configuration: k8s.Configuration) -> None:
        token = state.get("token")
        if token is None or token.expired():
            token = state["token"] = eks_token.get_token(cluster_name, region, session)
            configuration.api_key = {"authorization": f"Bearer {token.value}"}

    return refresh


@contextmanager
def api_client(cluster_name: str, region: str | None = None, *, server: str | None = None,
               ca_data: str | None = None, session: boto3.session.Session | None = None) -> Iterator[k8s.ApiClient]:
    """An ApiClient for ``cluster_name``; ``server``/``ca_data`` override what DescribeCluster says."""
    if server is None:
        endpoint = describe(cluster_name, region, session)
        server, ca_data = endpoint.server, ca_data or endpoint.ca_data
    if not server.startswith(("https://", "http://")):
        raise ValueError(f"API server must be an http(s) URL, got {server!r}")
    configuration = k8s.Configuration()
    configuration.host = server.rstrip("/")
    refresh = _token_hook(cluster_name, region, session)
    refresh(configuration)
    configuration.refresh_api_key_hook = refresh
    workdir = tempfile.mkdtemp(prefix="mwaa-platform-k8s-")
    try:
        if ca_data:
            try:
                pem = base64.b64decode(ca_data, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError("cluster CA data is not base64") from exc
            ca_path = os.path.join(workdir, "ca.crt")
            with open(os.open(ca_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(pem)
            configuration.ssl_ca_cert = ca_path
        elif server.startswith("https://"):
            raise ValueError("an https API server needs its CA bundle (ca_data); refusing to skip TLS verification")
        api = k8s.ApiClient(configuration)
        try:
            yield api
        finally:
            api.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
