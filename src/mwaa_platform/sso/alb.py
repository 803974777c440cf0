"""ALB Lambda-target events in, responses out (single- and multi-value header modes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    host: str
    headers: Mapping[str, str]                 # lower-case names, first value
    query: Mapping[str, str]                   # first value
    cookies: tuple[str, ...] = ()              # cookie names only; values are never needed
    multi_value: bool = True

    @property
    def oidc_data(self) -> str:
        return self.headers.get("x-amzn-oidc-data", "")


@dataclass
class Response:
    status: int
    body: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, value: str) -> Response:
        self.headers.setdefault(name, []).append(value)
        return self

    def to_alb(self, multi_value: bool) -> dict[str, Any]:
        headers = {k: [v] for k, v in SECURITY_HEADERS.items()}
        headers.update(self.headers)
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        out: dict[str, Any] = {"statusCode": self.status, "statusDescription": f"{self.status} {phrase}",
                               "isBase64Encoded": False, "body": self.body}
        if multi_value:
            out["multiValueHeaders"] = headers
        else:  # single-value mode can carry one value per header (the module enables multi-value)
            out["headers"] = {k: v[0] for k, v in headers.items() if v}
        return out


def _first(values: Any) -> str:
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return "" if values is None else str(values)


def _mapping(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``event[key]`` as an object (absent or null = empty); ValueError for any other JSON type."""
    value = event.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} is not an object")
    return value


def parse(event: Mapping[str, Any]) -> Request:
    """A Request from an ALB event; ValueError when it is not one."""
    if not isinstance(event, Mapping) or "httpMethod" not in event or "path" not in event:
        raise ValueError("not an Application Load Balancer event")
    for key in ("httpMethod", "path"):  # the ALB sends strings; anything else is not logged or echoed back
        if not isinstance(event[key], str):
            raise ValueError(f"{key} is not a string")
    multi = "multiValueHeaders" in event
    raw_headers = _mapping(event, "multiValueHeaders" if multi else "headers")
    raw_query = _mapping(event, "multiValueQueryStringParameters" if multi else "queryStringParameters")
    headers = {str(k).lower(): _first(v) for k, v in raw_headers.items()}
    cookie_values = raw_headers.get("cookie") or raw_headers.get("Cookie") or []
    cookie_lines = cookie_values if isinstance(cookie_values, list) else [cookie_values]
    cookies = tuple(part.split("=", 1)[0].strip() for line in cookie_lines for part in str(line).split(";")
                    if "=" in part)
    return Request(method=str(event["httpMethod"]).upper(), path=str(event["path"]) or "/",
                   host=headers.get("host", ""), headers=headers,
                   query={str(k): _first(v) for k, v in raw_query.items()}, cookies=cookies, multi_value=multi)
