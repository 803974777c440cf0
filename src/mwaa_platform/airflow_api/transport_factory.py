"""Pick a transport from what the caller has: an MWAA environment name (web login or InvokeRestApi) or a
plain Airflow URL with credentials."""

from __future__ import annotations

from typing import Any, Literal

from mwaa_platform.airflow_client.client import AirflowClient
from mwaa_platform.airflow_client.transport import ApiVersion, Transport

Via = Literal["web", "invoke"]


def make_transport(*, environment: str | None = None, via: Via = "web", region: str | None = None,
                   url: str | None = None, username: str | None = None, password: str | None = None,
                   api_version: ApiVersion | None = None, airflow_version: str | None = None,
                   retries: int = 3, read_timeout: float = 30.0, pool_size: int = 10,
                   boto_session: Any = None) -> Transport:
    if bool(environment) == bool(url):
        raise ValueError("give either an MWAA environment name or an Airflow URL (not both, not neither)")
    if url:
        from mwaa_platform.airflow_api.http import RetryPolicy
        from mwaa_platform.airflow_api.plain_airflow import DirectTransport

        return DirectTransport(url, username or "", password or "", api_version,
                               RetryPolicy(retries=retries, read_timeout=read_timeout), pool_size)
    assert environment is not None
    if via == "invoke":
        from mwaa_platform.airflow_client.invoke_rest_api import InvokeRestApiTransport

        return InvokeRestApiTransport(environment, region, boto_session, airflow_version, retries=retries)
    if via == "web":
        from mwaa_platform.airflow_api.http import RetryPolicy
        from mwaa_platform.airflow_api.mwaa_web import MwaaWebLoginTransport

        return MwaaWebLoginTransport(environment, region, boto_session, airflow_version,
                                     RetryPolicy(retries=retries, read_timeout=read_timeout), pool_size)
    raise ValueError(f"unknown transport {via!r}: use 'web' or 'invoke'")


def make_client(**kwargs: Any) -> AirflowClient:
    return AirflowClient(make_transport(**kwargs))
