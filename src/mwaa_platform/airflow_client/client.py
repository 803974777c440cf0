"""One Airflow client over every transport: DAGs, runs, waiting, variables and connections.

The differences between ``/api/v1`` (Airflow 2) and ``/api/v2`` (Airflow 3) are handled here, so callers
and transports never branch on the version. Triggers carry a client-chosen run id: a retried POST that
already succeeded answers 409, which is resolved by reading the run instead of creating a second one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.transport import ApiVersion, Transport, segment

TERMINAL_STATES = frozenset({"success", "failed"})
PAGE_SIZE = 100
MAX_RUN_ID = 100


@dataclass(frozen=True)
class DagRun:
    dag_id: str
    run_id: str
    state: str
    logical_date: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    conf: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DagRun:
        return cls(
            dag_id=str(data.get("dag_id", "")),
            run_id=str(data.get("dag_run_id") or data.get("run_id") or ""),
            state=str(data.get("state") or "unknown"),
            logical_date=data.get("logical_date") or data.get("execution_date"),
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            conf=dict(data.get("conf") or {}),
        )


@dataclass(frozen=True)
class Progress:
    run: DagRun
    elapsed: float
    task_states: dict[str, int]

    def line(self) -> str:
        tasks = ", ".join(f"{n} {s}" for s, n in sorted(self.task_states.items())) or "no task instances yet"
        return f"[{self.elapsed:6.0f}s] {self.run.dag_id} {self.run.run_id}: {self.run.state} ({tasks})"


def new_run_id(prefix: str = "api") -> str:
    """A unique, URL-safe run id: ``<prefix>__<UTC timestamp>__<random>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}__{stamp}__{secrets.token_hex(4)}"


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"logical date {value!r} is not ISO 8601 (e.g. 2025-01-31T00:00:00+00:00)") from None
    else:
        parsed = value
    if parsed.tzinfo is None:
        raise ValueError("logical date needs a timezone (e.g. 2025-01-31T00:00:00+00:00 or ...Z)")
    return parsed.isoformat()


def _check_id(kind: str, value: str) -> str:
    if not value or len(value) > 250 or any(c.isspace() for c in value):
        raise ValueError(f"invalid {kind} {value!r}: non-empty, no whitespace, at most 250 characters")
    return value


class AirflowClient:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @property
    def api_version(self) -> ApiVersion:
        return self.transport.api_version

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> AirflowClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # DAGs ----------------------------------------------------------------------------------------
    def list_dags(self, limit: int | None = None, page_size: int = PAGE_SIZE,
                  paused: bool | None = None) -> list[dict[str, Any]]:
        """All DAGs (or the first ``limit``; only the paused or the active ones with ``paused``), following the
        API's pagination."""
        dags: list[dict[str, Any]] = []
        while limit is None or len(dags) < limit:
            want = page_size if limit is None else min(page_size, limit - len(dags))
            params: dict[str, Any] = {"limit": want, "offset": len(dags)}
            if paused is not None:
                params["paused"] = paused
            page = self.transport.request("GET", "/dags", params=params) or {}
            batch = page.get("dags") or []
            dags.extend(batch)
            if not batch or len(dags) >= int(page.get("total_entries", len(dags))):
                break
        return dags

    def get_dag(self, dag_id: str) -> dict[str, Any]:
        return dict(self.transport.request("GET", f"/dags/{segment(_check_id('DAG id', dag_id))}") or {})

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.transport.request("PATCH", f"/dags/{segment(_check_id('DAG id', dag_id))}",
                               params={"update_mask": "is_paused"}, body={"is_paused": paused})

    # runs ----------------------------------------------------------------------------------------
    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None,
                logical_date: datetime | str | None = None, run_id: str | None = None,
                note: str | None = None) -> DagRun:
        """Create a DAG run. With ``run_id`` given, an existing run raises ConflictError (caller decides)."""
        _check_id("DAG id", dag_id)
        if conf is not None and not isinstance(conf, Mapping):
            raise ValueError("conf must be a JSON object (a mapping), not " + type(conf).__name__)
        chosen = run_id is not None
        rid = _check_id("run id", run_id) if run_id is not None else new_run_id()
        if len(rid) > MAX_RUN_ID:
            raise ValueError(f"run id longer than {MAX_RUN_ID} characters")
        body: dict[str, Any] = {"dag_run_id": rid, "conf": dict(conf or {})}
        if logical_date is not None:
            body["logical_date"] = _iso(logical_date)
        elif self.api_version == "v2":
            body["logical_date"] = None  # required member in /api/v2; null = a run without a logical date
        if note:
            body["note"] = note
        path = f"/dags/{segment(dag_id)}/dagRuns"
        try:
            return DagRun.from_api(self.transport.request("POST", path, body=body) or {})
        except errors.ConflictError:
            if chosen:
                raise
            return self.get_run(dag_id, rid)  # our own retried POST had already created it

    def get_run(self, dag_id: str, run_id: str) -> DagRun:
        path = f"/dags/{segment(_check_id('DAG id', dag_id))}/dagRuns/{segment(_check_id('run id', run_id))}"
        return DagRun.from_api(self.transport.request("GET", path) or {})

    def list_runs(self, dag_id: str, limit: int = 25) -> list[DagRun]:
        """The newest ``limit`` runs of ``dag_id``."""
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        page = self.transport.request("GET", f"/dags/{segment(_check_id('DAG id', dag_id))}/dagRuns",
                                      params={"limit": limit, "order_by": "-id"}) or {}
        return [DagRun.from_api(item) for item in page.get("dag_runs") or []]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, int]:
        path = f"/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}/taskInstances"
        page = self.transport.request("GET", path, params={"limit": 100}) or {}
        counts: dict[str, int] = {}
        for ti in page.get("task_instances") or []:
            state = ti.get("state") or "none"
            counts[state] = counts.get(state, 0) + 1
        return counts

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 3600, poll_interval: float = 10,
                     on_progress: Callable[[Progress], None] | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> DagRun:
        """Poll until the run succeeds or fails; WaitTimeoutError after ``timeout`` seconds."""
        if timeout <= 0 or poll_interval <= 0:
            raise ValueError("timeout and poll_interval must be positive")
        started = time.monotonic()
        while True:
            run = self.get_run(dag_id, run_id)
            elapsed = time.monotonic() - started
            if on_progress is not None:
                on_progress(Progress(run, elapsed, self.task_states(dag_id, run_id)))
            if run.finished:
                return run
            if elapsed + poll_interval > timeout:
                raise errors.WaitTimeoutError(
                    f"{dag_id} {run_id} still {run.state} after {elapsed:.0f}s (timeout {timeout:.0f}s)", run.state)
            sleep(poll_interval)

    # variables and connections -------------------------------------------------------------------
    def upsert_variable(self, key: str, value: str, description: str | None = None) -> str:
        """Create or update one variable; returns ``created`` or ``updated``. The value is never logged."""
        body: dict[str, Any] = {"key": _check_id("variable key", key), "value": value}
        if description is not None:
            body["description"] = description
        try:
            self.transport.request("PATCH", f"/variables/{segment(key)}", body=body)
            return "updated"
        except errors.NotFoundError:
            self.transport.request("POST", "/variables", body=body)
            return "created"

    def get_variable(self, key: str) -> dict[str, Any]:
        return dict(self.transport.request("GET", f"/variables/{segment(_check_id('variable key', key))}") or {})

    def upsert_connection(self, connection: Mapping[str, Any]) -> str:
        """Create or update one connection (API field names); returns ``created`` or ``updated``."""
        conn_id = _check_id("connection id", str(connection.get("connection_id", "")))
        body = dict(connection)
        try:
            self.transport.request("PATCH", f"/connections/{segment(conn_id)}", body=body)
            return "updated"
        except errors.NotFoundError:
            self.transport.request("POST", "/connections", body=body)
            return "created"

    def get_connection(self, conn_id: str) -> dict[str, Any]:
        path = f"/connections/{segment(_check_id('connection id', conn_id))}"
        return dict(self.transport.request("GET", path) or {})
