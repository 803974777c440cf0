"""boto3 clients with the project's defaults: standard retries, bounded timeouts, region from the caller.

Every AWS call in production code goes through :func:`client` so that retry and timeout policy is one
decision. The endpoint comes from the standard chain (``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``),
which is how the embedded default and real AWS share one code path.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

DEFAULT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
)


def config(**overrides: Any) -> Config:
    """The default client config merged with per-call overrides (e.g. a longer read timeout)."""
    return DEFAULT_CONFIG.merge(Config(**overrides)) if overrides else DEFAULT_CONFIG


def client(service: str, region: str | None = None, session: boto3.session.Session | None = None,
           **config_overrides: Any) -> Any:
    """A boto3 client for ``service`` with standard retries and timeouts."""
    # A new session per client: credentials and endpoints follow the current environment (no process-wide cache).
    sess = session or boto3.session.Session()
    return sess.client(service, region_name=region, config=config(**config_overrides))


def assumed_session(role_arn: str, session_name: str, region: str | None = None,
                    external_id: str | None = None) -> boto3.session.Session:
    """A boto3 session for ``role_arn`` (cross-account calls), credentials never logged."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name[:64]}
    if external_id:
        params["ExternalId"] = external_id
    creds = client("sts", region).assume_role(**params)["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )
