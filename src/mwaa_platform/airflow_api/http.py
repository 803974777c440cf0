"""requests-based transports: bounded timeouts, urllib3 retries with backoff on 429/5xx, typed errors.

Authentication state (basic auth, a session cookie or a JWT) lives on the ``requests.Session`` and is
never logged or put in an error message. A 401 triggers one fresh login (tokens and sessions expire).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util.retry import Retry

from mwaa_platform.airflow_api.hosts import base_url
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.transport import ApiVersion, Params

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "mwaa-platform-airflow-api/1"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``retries`` after the first attempt, exponential backoff capped at ``backoff_max``."""

    retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 8.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.retries <= 10:
            raise ValueError("retries must be between 0 and 10")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be positive")

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


class _BoundedRetry(Retry):
    """urllib3 Retry that also caps a server's Retry-After at ``backoff_max`` (a 429 must not stall us)."""

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.backoff_max)


def make_session(policy: RetryPolicy, pool_size: int = 10) -> requests.Session:
    retry = _BoundedRetry(
        total=policy.retries, connect=policy.retries, read=policy.retries, status=policy.retries, other=0,
        backoff_factor=policy.backoff, backoff_max=policy.backoff_max, status_forcelist=sorted(RETRY_STATUSES),
        allowed_methods=None,  # POSTs too: triggers carry a client-chosen run id, so a replay answers 409
        raise_on_status=False, respect_retry_after_header=True,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def send(session: requests.Session, method: str, url: str, what: str, policy: RetryPolicy,
         **kwargs: Any) -> requests.Response:
    """One request with the policy's timeouts; network failures become TransportError (no URL secrets)."""
    try:
        return session.request(method, url, timeout=policy.timeout, allow_redirects=False, **kwargs)
    except (requests.Timeout, requests.ConnectionError) as exc:
        # after urllib3's retries a timeout arrives as ConnectionError(MaxRetryError(reason=ReadTimeoutError))
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        refused = isinstance(reason, urllib3_exceptions.NewConnectionError)  # a ConnectTimeoutError subclass
        if not refused and (isinstance(exc, requests.Timeout)
                            or isinstance(reason, TimeoutError | urllib3_exceptions.TimeoutError)):
            raise errors.TransportError(f"{what}: timed out after {policy.retries + 1} attempts (connect "
                                        f"{policy.connect_timeout}s, read {policy.read_timeout}s)") from None
        raise errors.TransportError(f"{what}: cannot reach the server after {policy.retries + 1} attempts "
                                    f"({type(reason or exc).__name__})") from None
    except requests.RequestException as exc:
        raise errors.TransportError(f"{what}: {type(exc).__name__}") from None


def decode(resp: requests.Response, what: str) -> Any:
    """The JSON body of a 2xx response; a typed error otherwise (3xx from the API means 'log in again')."""
    if 200 <= resp.status_code < 300:
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise errors.AirflowApiError(f"{what}: HTTP {resp.status_code} with a non-JSON body",
                                         resp.status_code) from None
    if 300 <= resp.status_code < 400:
        raise errors.AuthError(f"{what}: HTTP {resp.status_code} redirect to a login page (not authenticated)",
                               resp.status_code)
    try:
        body: Any = resp.json()
    except ValueError:
        body = resp.text[:500]
    raise errors.for_status(resp.status_code, what, body)


class HttpTransport:
    """Base for transports that talk HTTP to Airflow; subclasses implement ``_login``."""

    def __init__(self, api_version: ApiVersion | None, policy: RetryPolicy | None = None,
                 pool_size: int = 10) -> None:
        self.policy = policy or RetryPolicy()
        self.session = make_session(self.policy, pool_size)
        self._api_version = api_version
        self._base: str | None = None
        self._logged_in = False
        self._lock = threading.Lock()

    # subclass hooks ------------------------------------------------------------------------------
    def _login(self) -> None:
        """Authenticate ``self.session`` and set ``self._base`` / ``self._api_version``."""
        raise NotImplementedError

    # Transport -----------------------------------------------------------------------------------
    @property
    def api_version(self) -> ApiVersion:
        self._ensure_login()
        assert self._api_version is not None
        return self._api_version

    @property
    def base(self) -> str:
        self._ensure_login()
        assert self._base is not None
        return self._base

    def _set_base(self, host: str) -> None:
        self._base = base_url(host)

    def _ensure_login(self, force: bool = False) -> None:
        with self._lock:
            if force or not self._logged_in:
                self._login()
                self._logged_in = True

    def request(self, method: str, path: str, *, params: Params | None = None,
                body: Mapping[str, Any] | None = None) -> Any:
        self._ensure_login()
        what = f"{method.upper()} {path}"
        url = f"{self.base}/api/{self.api_version}{path}"
        kwargs: dict[str, Any] = {"params": dict(params) if params else None}
        if body is not None:
            kwargs["json"] = dict(body)
        resp = send(self.session, method.upper(), url, what, self.policy, **kwargs)
        if resp.status_code == 401:
            self._ensure_login(force=True)
            resp = send(self.session, method.upper(), url, what, self.policy, **kwargs)
        return decode(resp, what)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
