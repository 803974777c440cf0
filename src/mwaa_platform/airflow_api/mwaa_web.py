"""MWAA web login: ``CreateWebLoginToken`` -> log in to the web server -> Airflow's REST API.

Airflow 2: ``POST https://<host>/aws_mwaa/login`` (form field ``token``) sets the ``session`` cookie that
``/api/v1`` accepts. Airflow 3: ``POST https://<host>/pluginsv2/aws_mwaa/login`` sets the ``_token`` cookie,
a JWT sent as ``Authorization: Bearer`` to ``/api/v2``. The web token is single-use and short-lived, so a
401 later on runs the whole login again. Neither the token nor the cookie is ever logged.
"""

from __future__ import annotations

from typing import Any

from mwaa_platform import aws
from mwaa_platform.airflow_api.http import HttpTransport, RetryPolicy, send
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.boto_errors import call
from mwaa_platform.airflow_client.transport import api_version_for

LOGIN_PATHS: dict[str, str] = {"v1": "/aws_mwaa/login", "v2": "/pluginsv2/aws_mwaa/login"}
COOKIES: dict[str, str] = {"v1": "session", "v2": "_token"}


class MwaaWebLoginTransport(HttpTransport):
    def __init__(self, environment: str, region: str | None = None, boto_session: Any = None,
                 airflow_version: str | None = None, policy: RetryPolicy | None = None,
                 pool_size: int = 10) -> None:
        super().__init__(api_version_for(airflow_version) if airflow_version else None, policy, pool_size)
        self.environment = environment
        self._mwaa = aws.client("mwaa", region, boto_session)

    def __repr__(self) -> str:
        return f"MwaaWebLoginTransport({self.environment!r}, api={self._api_version})"

    def _login(self) -> None:
        if self._api_version is None:
            env = call(lambda: self._mwaa.get_environment(Name=self.environment), f"GetEnvironment {self.environment}")
            self._api_version = api_version_for(env["Environment"]["AirflowVersion"])
        token = call(lambda: self._mwaa.create_web_login_token(Name=self.environment),
                     f"CreateWebLoginToken {self.environment}")
        self._set_base(token["WebServerHostname"])
        version = self._api_version
        path = LOGIN_PATHS[version]
        self.session.cookies.clear()
        self.session.headers.pop("Authorization", None)
        resp = send(self.session, "POST", f"{self._base}{path}", f"POST {path}", self.policy,
                    data={"token": token["WebToken"]})
        if resp.status_code >= 400:
            raise errors.AuthError(f"POST {path}: HTTP {resp.status_code}: web login refused", resp.status_code)
        cookie = resp.cookies.get(COOKIES[version]) or self.session.cookies.get(COOKIES[version])
        if not cookie:
            raise errors.AuthError(f"POST {path}: HTTP {resp.status_code} but no {COOKIES[version]!r} cookie: "
                                   "web login failed")
        if version == "v2":
            self.session.headers["Authorization"] = f"Bearer {cookie}"
