"""A plain Airflow (no MWAA in front): basic auth for 2.x ``/api/v1``, a JWT from ``/auth/token`` for 3.x.

Used against local Airflow installs and self-managed deployments. The 2.x webserver needs
``[api] auth_backends`` to include ``airflow.api.auth.backend.basic_auth``; 3.x's simple and FAB auth
managers both serve ``POST /auth/token``.
"""

from __future__ import annotations

from mwaa_platform.airflow_api.http import HttpTransport, RetryPolicy, decode, send
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.transport import ApiVersion


class DirectTransport(HttpTransport):
    def __init__(self, host: str, username: str, password: str, api_version: ApiVersion | None = None,
                 policy: RetryPolicy | None = None, pool_size: int = 10) -> None:
        if not username or not password:
            raise ValueError("a username and a password are required for a direct Airflow connection")
        super().__init__(api_version, policy, pool_size)
        self._set_base(host)
        self._username = username
        self._password = password

    def __repr__(self) -> str:  # never show the password
        return f"DirectTransport({self._base!r}, user={self._username!r}, api={self._api_version})"

    def _detect_version(self) -> ApiVersion:
        """Airflow 3 answers ``/api/v2/monitor/health`` without auth; Airflow 2 answers ``/api/v1/health``."""
        for version, path in (("v2", "/api/v2/monitor/health"), ("v1", "/api/v1/health")):
            resp = send(self.session, "GET", f"{self._base}{path}", f"GET {path}", self.policy)
            if resp.status_code == 200:
                return version  # type: ignore[return-value]
        raise errors.AirflowApiError(f"{self._base} answers neither /api/v2 nor /api/v1 health: is it Airflow?")

    def _login(self) -> None:
        if self._api_version is None:
            self._api_version = self._detect_version()
        if self._api_version == "v1":
            self.session.auth = (self._username, self._password)
            return
        resp = send(self.session, "POST", f"{self._base}/auth/token", "POST /auth/token", self.policy,
                    json={"username": self._username, "password": self._password})
        if resp.status_code in (400, 401, 403):
            raise errors.AuthError(f"POST /auth/token: HTTP {resp.status_code}: invalid username or password",
                                   resp.status_code)
        token = (decode(resp, "POST /auth/token") or {}).get("access_token")
        if not token:
            raise errors.AuthError("POST /auth/token: no access_token in the response")
        self.session.headers["Authorization"] = f"Bearer {token}"
