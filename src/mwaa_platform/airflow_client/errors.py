"""Typed errors for every transport: callers branch on the class, never on a status code or a message.

Messages carry the HTTP status and the server's short reason, never request bodies, headers or tokens.
"""

from __future__ import annotations

from typing import Any

MAX_DETAIL = 300


class AirflowApiError(Exception):
    """Base class; ``status`` is the HTTP status when there was a response."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(AirflowApiError):
    """401/403, a failed web login, or AWS refusing to create a token / invoke the REST API."""


class NotFoundError(AirflowApiError):
    """404: the DAG, run, variable, connection or MWAA environment does not exist."""


class EnvironmentNotFoundError(NotFoundError):
    """The MWAA environment itself does not exist (AWS ResourceNotFoundException), not an Airflow object."""


class ConflictError(AirflowApiError):
    """409: e.g. a DAG run with this run id already exists."""


class BadRequestError(AirflowApiError):
    """400/422: the server rejected the request body or parameters."""


class ServerError(AirflowApiError):
    """429 or 5xx still failing after the bounded retries."""


class TransportError(AirflowApiError):
    """No usable HTTP response: connection refused, DNS, TLS, timeout (after bounded retries)."""


class WaitTimeoutError(AirflowApiError):
    """A DAG run did not reach a terminal state before the deadline; ``state`` is the last one seen."""

    def __init__(self, message: str, state: str | None) -> None:
        super().__init__(message)
        self.state = state


def detail_of(body: Any) -> str:
    """The server's reason from an Airflow v1 (problem+json) or v2 (FastAPI) error body, shortened."""
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title") or body.get("message") or ""
        if isinstance(detail, list):  # FastAPI validation errors: keep the locations and messages only
            detail = "; ".join(
                f"{'.'.join(str(p) for p in item.get('loc', []))}: {item.get('msg', '')}"
                for item in detail if isinstance(item, dict)
            )
        text = str(detail)
    elif isinstance(body, str):
        text = body
    else:
        text = ""
    text = " ".join(text.split())
    return text[:MAX_DETAIL] + ("..." if len(text) > MAX_DETAIL else "")


def for_status(status: int, what: str, body: Any = None) -> AirflowApiError:
    """The typed error for a non-2xx ``status`` of request ``what`` (e.g. ``GET /dags``)."""
    reason = detail_of(body)
    message = f"{what}: HTTP {status}" + (f": {reason}" if reason else "")
    if status in (401, 403):
        return AuthError(message, status)
    if status == 404:
        return NotFoundError(message, status)
    if status == 409:
        return ConflictError(message, status)
    if status in (400, 422):
        return BadRequestError(message, status)
    if status == 429 or status >= 500:
        return ServerError(message, status)
    return AirflowApiError(message, status)
