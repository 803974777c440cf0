"""The upgrade state and lease: one item per environment (``upgrade:<name>``) in a DynamoDB table, written
with the failover's :class:`~mwaa_platform.failover.state.StateStore` (conditional writes on a version).

The document holds the current or last operation (kind, from, to, holder, lease expiry, each step's status,
attempts, timestamps and result) and the one before it (``previous``: what a rollback undoes). A step that is
``done`` is never run again; a holder that is gone is taken over by ``resume`` (a dead local process, a failed
operation, or ``--takeover``); two operators cannot hold the lease at once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from mwaa_platform.failover.runbook import holder_is_dead_local_runbook
from mwaa_platform.failover.state import StateStore, add_history, compact, now_iso

KEY_PREFIX = "upgrade:"
ACTIVE = ("in_progress", "failed")


class RefusedError(RuntimeError):
    """A precondition is not met; nothing was changed by the refused step (exit 3)."""


class StepFailedError(RuntimeError):
    """A step ran and failed; the state records it and ``resume`` retries that step (exit 4)."""


def store(dynamodb: Any, table: str, environment: str) -> StateStore:
    initial: dict[str, Any] = {"environment": environment, "operation": None, "previous": None, "history": []}
    return StateStore(dynamodb, table, f"{KEY_PREFIX}{environment}", initial)


def read(st: StateStore) -> dict[str, Any]:
    try:
        return st.read().doc
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise RefusedError(f"the upgrade state table {st.table} does not exist: create it (partition key "
                               "'env', string) or pass --state-table the failover state table") from None
        raise


def acquire(st: StateStore, holder: str, kind: str, *, resume: bool, takeover: bool, lease_seconds: int,
            describe: dict[str, Any]) -> dict[str, Any]:
    """Start (or, with ``resume``, take over) an operation of ``kind``; returns the operation. Raises RefusedError."""
    read(st)
    now = time.time()

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        op: dict[str, Any] = doc.get("operation") or {}
        status = op.get("status")
        if status == "in_progress" and op.get("holder") == holder:
            return None
        live = status == "in_progress" and float(op.get("lease_expires") or 0) > now
        if resume:
            if not op or status not in ACTIVE:
                raise RefusedError("there is no interrupted or failed upgrade operation to resume (see `status`)")
            if op.get("kind") != kind:
                raise RefusedError(f"the operation to resume is {op.get('kind')}, not {kind}")
            if live and not (takeover or holder_is_dead_local_runbook(op.get("holder"))):
                raise RefusedError(f"operation {op['id']} is running, held by {op.get('holder')} until "
                                   f"{datetime.fromtimestamp(op['lease_expires'], UTC).isoformat()}: if that "
                                   "holder is gone, resume with --takeover")
            op.update(status="in_progress", holder=holder, previous_holder=op.get("holder"),
                      attempt=int(op.get("attempt", 1)) + 1, lease_expires=now + lease_seconds,
                      updated_at=now_iso())
            add_history(doc, "lease_taken_over", operation=op["id"], holder=holder, attempt=op["attempt"])
            doc["operation"] = op
            return doc
        if live:
            raise RefusedError(f"operation {op['id']} ({op.get('kind')}) is running, held by {op.get('holder')}: "
                               "two operators cannot upgrade one environment at once")
        if status in ACTIVE and not kind.startswith("rollback"):
            raise RefusedError(f"operation {op['id']} ({op.get('kind')}) {status} at step {op.get('current_step')}: "
                               "`upgrade resume` continues it, `upgrade rollback` undoes it")
        op_id = f"{kind}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-" \
                f"{hashlib.sha256(holder.encode()).hexdigest()[:6]}"
        if op:
            doc["previous"] = op
        doc["operation"] = {"id": op_id, "kind": kind, "status": "in_progress", "holder": holder, "attempt": 1,
                            "lease_expires": now + lease_seconds, "started_at": now_iso(), "updated_at": now_iso(),
                            "current_step": None, "steps": {}, **describe}
        add_history(doc, "operation_started", operation=op_id, kind=kind, holder=holder)
        return doc

    doc = st.mutate(change)
    return dict(doc["operation"])


def _held(doc: dict[str, Any], holder: str) -> dict[str, Any]:
    op = doc.get("operation") or {}
    if op.get("holder") != holder or op.get("status") != "in_progress":
        raise RefusedError(f"this process ({holder}) no longer holds the upgrade lease of {doc.get('environment')} "
                           f"(held by {op.get('holder')}, {op.get('status')}): another operator took it over")
    return op


def begin_step(st: StateStore, holder: str, name: str, lease_seconds: int) -> tuple[bool, dict[str, Any]]:
    """(already_done, record): mark ``name`` running (first start kept), renew the lease."""
    seen: dict[str, Any] = {}

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        op = _held(doc, holder)
        record = op.setdefault("steps", {}).setdefault(name, {})
        seen.clear()
        seen.update(record)
        if record.get("status") == "done":
            return None
        record["attempts"] = int(record.get("attempts", 0)) + 1
        record.update(status="running", started_at=record.get("started_at") or now_iso())
        op.update(current_step=name, lease_expires=time.time() + lease_seconds, updated_at=now_iso())
        return doc

    st.mutate(change)
    return seen.get("status") == "done", seen


def end_step(st: StateStore, holder: str, name: str, status: str, result: dict[str, Any] | None = None,
             error: str | None = None, final: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Record a step's outcome: done, or failed (the operation fails and gives up its lease)."""

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        op = _held(doc, holder)
        record = op.setdefault("steps", {}).setdefault(name, {})
        record["status"] = status
        if result is not None:
            record["result"] = compact(result)
        record["finished_at"] = now_iso()
        if status == "failed":
            record["error"] = (error or "")[:4000]
            op.update(status="failed", failed_step=name, lease_expires=0, updated_at=now_iso())
            add_history(doc, "operation_failed", operation=op["id"], step=name)
        if final is not None:
            final(doc)
        return doc

    st.mutate(change)


def complete(st: StateStore, holder: str, **fields: Any) -> dict[str, Any]:
    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        op = _held(doc, holder)
        op.update(status="completed", lease_expires=0, finished_at=now_iso(), updated_at=now_iso())
        doc.update(fields)
        add_history(doc, "operation_completed", operation=op["id"], kind=op.get("kind"))
        return doc

    return dict(st.mutate(change)["operation"])


def heartbeat(st: StateStore, holder: str, name: str, detail: str, lease_seconds: int) -> None:
    """A long step is still polling: count it, note what it waits for, renew the lease (refused if lost)."""

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        op = _held(doc, holder)
        record = op.setdefault("steps", {}).setdefault(name, {})
        record.update(polls=int(record.get("polls", 0)) + 1, waiting_for=detail[:300])
        op.update(lease_expires=time.time() + lease_seconds, updated_at=now_iso())
        return doc

    st.mutate(change)
