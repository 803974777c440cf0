"""The lease of an operation: taken (or, when resuming, taken over) with a conditional write before any work,
and released when the target becomes active."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from mwaa_platform.failover.errors import RefusedError
from mwaa_platform.failover.state import add_history, compact, now_iso
from mwaa_platform.failover.step_types import Call


def _record_lease(op: dict[str, Any], result: dict[str, Any], now: datetime) -> None:
    record = op.setdefault("steps", {}).get("acquire_lease") or {}
    record.update(status="done", started_at=record.get("started_at") or now_iso(now), finished_at=now_iso(now),
                  attempts=int(record.get("attempts", 0)) + 1, result=result)
    op["steps"]["acquire_lease"] = record


def acquire_lease(call: Call) -> dict[str, Any]:
    """Create (or, when asked to resume, take over) the operation under a lease, with a conditional write.

    Refusals are answers, not errors: {"acquired": false, "reason": ...}; the workflow then ends quietly.
    """
    ctx, plan = call.ctx, call.plan
    me = ctx.execution_id
    now = ctx.now()
    allow_resume = bool(call.input.get("resume"))
    gate = "evaluate_health" if plan.kind == "failover" else "check_failback"
    answer: dict[str, Any] = {}

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        answer.clear()
        op: dict[str, Any] = doc.get("operation") or {}
        expected_active = plan.source.region
        in_progress = op.get("status") == "in_progress"
        if in_progress and op.get("holder") == me:
            answer.update(acquired=True, operation=op["id"], resumed=op.get("attempt", 1) > 1)
            return None
        takeover = allow_resume and bool(op) and call.input.get("takeover_from") == op.get("holder")
        if in_progress and op.get("lease_expires", 0) > now.timestamp() and not takeover:
            answer.update(acquired=False, reason=f"operation {op['id']} is in progress, lease held by "
                                                 f"{op.get('holder')} until {op.get('lease_expires')}")
            return None
        if op.get("kind") == plan.kind and op.get("status") in ("failed", "in_progress"):
            if not allow_resume:
                what = "failed" if op.get("status") == "failed" else "stalled (its lease expired)"
                answer.update(acquired=False, operation=op["id"],
                              reason=f"operation {op['id']} {what} at step {op.get('current_step')}: an operator "
                                     "resumes it with `mwaa-platform failover resume` (or an execution with "
                                     '{"resume": true})')
                return None
            op.update(status="in_progress", holder=me, previous_holder=op.get("holder"),
                      attempt=int(op.get("attempt", 1)) + 1, updated_at=now_iso(now),
                      lease_expires=now.timestamp() + ctx.config.lease_seconds)
            doc["operation"] = op
            add_history(doc, "lease_taken_over", operation=op["id"], holder=me, attempt=op["attempt"])
            answer.update(acquired=True, operation=op["id"], resumed=True)
            _record_lease(op, dict(answer), now)
            return doc
        if doc.get("active_region") != expected_active:
            answer.update(acquired=False, reason=f"{plan.kind} needs {expected_active} active, but "
                                                 f"{doc.get('active_region')} is active")
            return None
        op_id = f"{plan.kind}-{now.strftime('%Y%m%dT%H%M%S')}-{hashlib.sha256(me.encode()).hexdigest()[:6]}"
        steps: dict[str, Any] = {}
        if gate in call.results:
            steps[gate] = {"status": "done", "started_at": now_iso(now), "finished_at": now_iso(now),
                           "attempts": 1, "result": compact(call.results[gate])}
        doc["operation"] = {
            "id": op_id, "kind": plan.kind, "status": "in_progress", "holder": me, "attempt": 1,
            "lease_expires": now.timestamp() + ctx.config.lease_seconds, "started_at": now_iso(now),
            "updated_at": now_iso(now), "source": plan.source.region, "target": plan.target.region,
            "dr_mode": ctx.config.dr_mode, "forced": bool(call.input.get("force")), "current_step": "acquire_lease",
            "steps": steps,
        }
        add_history(doc, "operation_started", operation=op_id, kind=plan.kind, holder=me)
        answer.update(acquired=True, operation=op_id, resumed=False)
        _record_lease(doc["operation"], dict(answer), now)
        return doc

    ctx.store().mutate(change)
    return dict(answer)


def release(call: Call) -> dict[str, Any]:
    """The target becomes active; the operation is completed and its lease released."""
    ctx, plan = call.ctx, call.plan
    me = ctx.execution_id

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        op = doc.get("operation") or {}
        if op.get("holder") != me or op.get("status") != "in_progress":
            raise RefusedError(f"cannot release: this execution ({me}) does not hold operation {op.get('id')}")
        now = ctx.now()
        op.update(status="completed", lease_expires=0, finished_at=now_iso(now), updated_at=now_iso(now))
        doc.update(active_region=plan.target.region, active_environment=plan.target.environment,
                   active_since=now_iso(now))
        add_history(doc, "operation_completed", operation=op.get("id"), active_region=plan.target.region)
        return doc

    ctx.store().mutate(change)
    return {"active_region": plan.target.region, "active_environment": plan.target.environment}
