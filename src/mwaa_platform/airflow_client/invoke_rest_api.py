"""MWAA ``InvokeRestApi``: Airflow's REST API through the AWS API, no web login, IAM-authorised.

The caller needs ``airflow:InvokeRestApi`` on the environment; MWAA routes to ``/api/v1`` (Airflow 2)
or ``/api/v2`` (Airflow 3) itself and maps the caller to an Airflow role. Only boto3 is imported here,
so Lambda handlers can use this transport with the Lambda runtime's own libraries.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mwaa_platform import aws
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.boto_errors import call
from mwaa_platform.airflow_client.transport import ApiVersion, Params, api_version_for

MAX_PATH = 64  # InvokeRestApi's Path member: 1..64 characters
METHODS = {"GET", "PUT", "POST", "PATCH", "DELETE"}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class InvokeRestApiTransport:
    def __init__(self, environment: str, region: str | None = None, boto_session: Any = None,
                 airflow_version: str | None = None, retries: int = 3, backoff: float = 0.5,
                 backoff_max: float = 8.0, mwaa_client: Any = None) -> None:
        self.environment = environment
        self._mwaa = mwaa_client or aws.client("mwaa", region, boto_session)
        self._api_version: ApiVersion | None = api_version_for(airflow_version) if airflow_version else None
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max

    def __repr__(self) -> str:
        return f"InvokeRestApiTransport({self.environment!r}, api={self._api_version})"

    @property
    def api_version(self) -> ApiVersion:
        if self._api_version is None:
            env = call(lambda: self._mwaa.get_environment(Name=self.environment), f"GetEnvironment {self.environment}")
            self._api_version = api_version_for(env["Environment"]["AirflowVersion"])
        return self._api_version

    def request(self, method: str, path: str, *, params: Params | None = None,
                body: Mapping[str, Any] | None = None) -> Any:
        method = method.upper()
        what = f"{method} {path}"
        if method not in METHODS:
            raise errors.BadRequestError(f"{what}: InvokeRestApi supports {sorted(METHODS)} only")
        if not path.startswith("/") or len(path) > MAX_PATH:
            raise errors.BadRequestError(f"{what}: InvokeRestApi paths start with '/' and have at most "
                                         f"{MAX_PATH} characters (shorten the DAG or run id)")
        kwargs: dict[str, Any] = {"Name": self.environment, "Path": path, "Method": method}
        if params:
            kwargs["QueryParameters"] = dict(params)
        if body is not None:
            kwargs["Body"] = dict(body)
        attempt = 0
        while True:
            try:
                out = call(lambda: self._mwaa.invoke_rest_api(**kwargs), what)
                return out.get("RestApiResponse")
            except errors.ServerError as exc:
                # botocore already retried the AWS call itself; this retries Airflow's own 429/5xx answers
                if exc.status not in RETRY_STATUSES or attempt >= self.retries:
                    raise
                time.sleep(min(self.backoff_max, self.backoff * (2 ** attempt)))
                attempt += 1

    def close(self) -> None:
        self._mwaa.close()
