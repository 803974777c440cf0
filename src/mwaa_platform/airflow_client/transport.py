"""The one interface every transport implements: a JSON request against Airflow's stable REST API.

``path`` is relative to the API root (``/dags``, not ``/api/v1/dags``); each transport knows its root
and its API version (``v1`` for Airflow 2, ``v2`` for Airflow 3). A transport returns the decoded JSON
body of a 2xx response (or ``None`` for an empty one) and raises a typed error otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol
from urllib.parse import quote

ApiVersion = Literal["v1", "v2"]
Params = Mapping[str, str | int | bool | list[str]]


class Transport(Protocol):
    @property
    def api_version(self) -> ApiVersion: ...

    def request(self, method: str, path: str, *, params: Params | None = None,
                body: Mapping[str, Any] | None = None) -> Any: ...

    def close(self) -> None: ...


def api_version_for(airflow_version: str) -> ApiVersion:
    """``v1`` for Airflow 2.x, ``v2`` for 3.x (what MWAA's InvokeRestApi routes to as well)."""
    try:
        major = int(airflow_version.strip().split(".")[0])
    except ValueError:
        raise ValueError(f"not an Airflow version: {airflow_version!r} (expected e.g. 2.10.3 or 3.0.6)") from None
    if major not in (2, 3):
        raise ValueError(f"Airflow {airflow_version} is not supported (2.x uses /api/v1, 3.x uses /api/v2)")
    return "v1" if major == 2 else "v2"


def segment(value: str) -> str:
    """One URL path segment (DAG ids and run ids may hold ':' or '+')."""
    if not value:
        raise ValueError("empty path segment (dag id, run id, key?)")
    return quote(value, safe="")
