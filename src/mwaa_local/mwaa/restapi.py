"""InvokeRestApi: forward to the environment's real Airflow REST API (v1 on 2.x, v2 on 3.x).

The local MWAA logs in the way a client does, through the environment's own MWAA login route with a web
login token at ``/aws_mwaa/login`` (Airflow 2: ``session`` cookie; Airflow 3: the ``_token`` JWT sent as a
bearer token), and keeps that login per environment, logging in again once when Airflow answers 401/403.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from mwaa_local.mwaa import tokens
from mwaa_local.mwaa.errors import RestApiClientException, RestApiServerException
from mwaa_local.mwaa.runtime import EnvRuntime
from mwaa_local.mwaa.store import Key

TIMEOUT_SECONDS = 60
SERVICE_USER = "mwaa-local-invoke-rest-api"


class LoginError(RuntimeError):
    """The environment's login route refused a token the service minted."""


def login(rt: EnvRuntime, subject: str = SERVICE_USER, role: str = "Admin") -> requests.Session:
    """A requests session authenticated against the environment's web server, as MWAA's login does."""
    token = tokens.mint(rt.record["_local"]["token_secret"], "web", subject, role)
    http = requests.Session()
    http.trust_env = False  # loopback only: never through a proxy
    path = "/aws_mwaa/login"  # every version (Airflow 3.3 reserves /pluginsv2, where 3.0-3.2 also serve it)
    answer = http.post(rt.base_url + path, data={"token": token}, allow_redirects=False, timeout=TIMEOUT_SECONDS)
    if answer.status_code not in (302, 303):
        raise LoginError(f"login at {path} answered {answer.status_code}: {answer.text[:200]}")
    if rt.major >= 3:
        jwt = http.cookies.get("_token")
        if not jwt:
            raise LoginError("login did not set the _token cookie")
        http.headers["Authorization"] = f"Bearer {jwt}"
    elif "session" not in http.cookies:
        raise LoginError("login did not set the session cookie")
    return http


def _query(params: dict[str, Any] | None) -> dict[str, Any]:
    def text(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return [text(v) for v in value]
        return value

    return {k: text(v) for k, v in (params or {}).items()}


class RestForwarder:
    def __init__(self) -> None:
        self._sessions: dict[Key, requests.Session] = {}
        self._lock = threading.Lock()

    def _session(self, rt: EnvRuntime, fresh: bool) -> requests.Session:
        with self._lock:
            http = None if fresh else self._sessions.get(rt.key)
        if http is None:
            http = login(rt)
            with self._lock:
                self._sessions[rt.key] = http
        return http

    def forget(self, key: Key) -> None:
        with self._lock:
            self._sessions.pop(key, None)

    def invoke(self, rt: EnvRuntime, method: str, path: str, query: dict[str, Any] | None,
               body: Any) -> dict[str, Any]:
        url = rt.base_url + ("/api/v2" if rt.major >= 3 else "/api/v1") + path
        answer = None
        for attempt in range(2):
            http = self._session(rt, fresh=attempt > 0)
            kwargs: dict[str, Any] = {"params": _query(query), "timeout": TIMEOUT_SECONDS}
            if body is not None and method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = body
            answer = http.request(method, url, **kwargs)
            if answer.status_code not in (401, 403):
                break
        assert answer is not None
        try:
            payload: Any = answer.json() if answer.content else {}
        except ValueError:
            payload = {"body": answer.text}
        if answer.status_code >= 500:
            raise RestApiServerException(answer.status_code, payload)
        if answer.status_code >= 400:
            raise RestApiClientException(answer.status_code, payload)
        return {"RestApiStatusCode": answer.status_code, "RestApiResponse": payload}
