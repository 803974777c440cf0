"""Runs one step of an operation with the state-table bookkeeping both the Lambdas and the runbook need.

For a step that needs the lease the runner, with conditional writes:
1. checks that this execution holds the lease of an in-progress operation of the right kind;
2. returns the recorded result, without running anything, when the step is already done (resume safety);
3. confirms a callback step whose result arrives in the input (Step Functions passes the task's callback
   output on), and refuses when an earlier step is not done;
4. marks the step running (attempts, since when) and extends the lease for the step's duration;
5. runs the step and records done / still waiting / failed (a failure also marks the operation failed and
   releases the lease, so a resume can take over), and notifies SNS of each finished step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from mwaa_platform.failover import steps as steps_mod
from mwaa_platform.failover.context import Context
from mwaa_platform.failover.errors import FailoverError, LeaseLostError, RefusedError
from mwaa_platform.failover.state import add_history, compact, now_iso

log = logging.getLogger("mwaa_platform.failover")
LEASE_MARGIN_SECONDS = 300


@dataclass
class Outcome:
    step: str
    status: str                  # done | skipped | waiting | awaiting_callback
    result: dict[str, Any] = field(default_factory=dict)


def _lease_for(ctx: Context, step: steps_mod.Step) -> float:
    """How long the lease must last from now so that no other execution takes over mid-step."""
    if step.kind == "callback":
        return ctx.config.restore_timeout_seconds + ctx.config.lease_seconds
    if step.kind == "poll":
        return max(ctx.config.lease_seconds, ctx.config.poll_seconds * 4 + LEASE_MARGIN_SECONDS)
    return max(ctx.config.lease_seconds, step.lambda_timeout + LEASE_MARGIN_SECONDS)


def recorded_results(op: dict[str, Any] | None) -> dict[str, Any]:
    return {name: s.get("result") for name, s in ((op or {}).get("steps") or {}).items()
            if s.get("status") == "done"}


class Runner:
    def __init__(self, ctx: Context, kind: str = "failover") -> None:
        self.ctx = ctx
        self.kind = kind
        self.plan = steps_mod.plan_for(kind, ctx)
        self.steps = steps_mod.steps_for(kind)
        self.store = ctx.store()

    # -- public --------------------------------------------------------------------------------------------
    def run(self, name: str, input: dict[str, Any] | None = None,
            results: dict[str, Any] | None = None) -> Outcome:
        step = steps_mod.step_named(self.kind, name)
        input = dict(input or {})
        results = dict(results or {})
        if step.kind in ("gate", "lease"):
            call = steps_mod.Call(self.ctx, self.plan, input, results)
            result = step.func(call)
            if step.kind == "lease" and result.get("acquired"):
                self._notify_transition(step, "done", result)
            return Outcome(step.name, "done", result)
        return self._run_leased(step, input, results)

    # -- leased steps --------------------------------------------------------------------------------------
    def _begin(self, step: steps_mod.Step, results: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Mark the step running; (operation, stored result if the step was already done)."""
        me = self.ctx.execution_id
        names = [s.name for s in self.steps]
        index = names.index(step.name)
        seen: dict[str, Any] = {}

        def change(doc: dict[str, Any]) -> dict[str, Any] | None:
            seen.clear()
            op = doc.get("operation")
            if not op or op.get("kind") != self.kind:
                raise RefusedError(f"no {self.kind} operation is in progress: it starts with acquire_lease")
            if op.get("holder") != me or op.get("status") != "in_progress":
                raise LeaseLostError(f"execution {me} does not hold operation {op.get('id')} (holder "
                                f"{op.get('holder')}, status {op.get('status')})")
            now = self.ctx.now()
            if op.get("lease_expires", 0) < now.timestamp():
                raise LeaseLostError(f"the lease of operation {op['id']} expired at {op.get('lease_expires')}: "
                                     "resume it")
            op_steps = op.setdefault("steps", {})
            for prior in self.steps[:index]:
                record = op_steps.get(prior.name) or {}
                if prior.kind == "callback" and record.get("status") == "awaiting_callback" \
                        and isinstance(results.get(prior.name), dict):
                    record.update(status="done", finished_at=now_iso(now), result=compact(results[prior.name]))
                    add_history(doc, "step_done", step=prior.name, via="callback")
                    op_steps[prior.name] = record
                    seen.setdefault("confirmed", []).append(prior.name)
                if prior.kind not in ("gate",) and op_steps.get(prior.name, {}).get("status") != "done":
                    raise RefusedError(f"step {step.name} needs {prior.name} done first (it is "
                                  f"{op_steps.get(prior.name, {}).get('status', 'not started')})")
            current = op_steps.get(step.name) or {}
            if current.get("status") == "done":
                seen["done"] = current
                return doc if seen.get("confirmed") else None
            if current.get("status") != "running" or current.get("holder") != me:
                # a new attempt: first run, after a failure, or taken over from a crashed execution
                current["started_at"] = now_iso(now)
                current["attempts"] = int(current.get("attempts", 0)) + 1
                add_history(doc, "step_started", step=step.name, attempt=current["attempts"])
            current.update(status="running", holder=me, error=None)
            current["polls"] = int(current.get("polls", 0)) + (1 if step.kind == "poll" else 0)
            op_steps[step.name] = current
            op.update(current_step=step.name, current_step_since=current["started_at"], updated_at=now_iso(now),
                      lease_expires=max(op.get("lease_expires", 0), now.timestamp() + _lease_for(self.ctx, step)))
            return doc

        doc = self.store.mutate(change)
        op = doc["operation"]
        return op, seen.get("done")

    def _finish(self, step: steps_mod.Step, status: str, result: dict[str, Any] | None = None,
                error: str | None = None) -> None:
        me = self.ctx.execution_id

        def change(doc: dict[str, Any]) -> dict[str, Any] | None:
            op = doc.get("operation") or {}
            if op.get("holder") != me:
                raise LeaseLostError(f"operation {op.get('id')} was taken over by {op.get('holder')} while {step.name} "
                                "ran; its result is not recorded")
            now = self.ctx.now()
            record = op.setdefault("steps", {}).setdefault(step.name, {})
            record.update(status=status, updated_at=now_iso(now))
            if result is not None:
                record["result"] = compact(result)
            if status in ("done", "failed"):
                record["finished_at"] = now_iso(now)
            if status == "failed":
                record["error"] = (error or "")[:4000]
                op.update(status="failed", lease_expires=0, failed_step=step.name, updated_at=now_iso(now))
                add_history(doc, "step_failed", step=step.name, error=(error or "")[:500])
            elif status in ("done", "awaiting_callback"):
                add_history(doc, f"step_{status}", step=step.name)
            return doc

        self.store.mutate(change)

    def _run_leased(self, step: steps_mod.Step, input: dict[str, Any], results: dict[str, Any]) -> Outcome:
        op, already = self._begin(step, results)
        if already is not None:
            log.info("%s: already done in operation %s; not running it again", step.name, op.get("id"))
            return Outcome(step.name, "skipped", already.get("result") or {})
        merged = {**recorded_results(op), **results}
        self.ctx.step_started_at = (op.get("steps", {}).get(step.name) or {}).get("started_at")
        call = steps_mod.Call(self.ctx, self.plan, input, merged, op)
        try:
            result = step.func(call)
        except Exception as exc:
            code = exc.code if isinstance(exc, FailoverError) else type(exc).__name__
            self._finish(step, "failed", error=f"{code}: {exc}")
            raise
        if step.kind == "poll" and not result.get("done"):
            self._finish(step, "running", result)
            return Outcome(step.name, "waiting", result)
        if step.kind == "callback" and result.get("awaiting_callback"):
            self._finish(step, "awaiting_callback", result)
            return Outcome(step.name, "awaiting_callback", result)
        if step.kind != "final":
            self._finish(step, "done", result)
        else:
            self._record_final(step, result)
        self._notify_transition(step, "done", result)
        return Outcome(step.name, "done", result)

    def _record_final(self, step: steps_mod.Step, result: dict[str, Any]) -> None:
        """release already completed the operation (and gave up the lease): record the step without a holder check."""

        def change(doc: dict[str, Any]) -> dict[str, Any] | None:
            op = doc.get("operation") or {}
            record = op.setdefault("steps", {}).setdefault(step.name, {})
            record.update(status="done", finished_at=now_iso(self.ctx.now()), result=compact(result))
            return doc

        self.store.mutate(change)

    def _notify_transition(self, step: steps_mod.Step, status: str, result: dict[str, Any]) -> None:
        summary = {k: result.get(k) for k in ("operation", "result", "created", "status", "dag_run_id",
                                               "active_region", "verified", "unpaused", "acquired") if k in result}
        steps_mod.publish(self.ctx, f"[mwaa-platform] {self.ctx.config.env}: {self.kind} step {step.name} {status}",
                          {"env": self.ctx.config.env, "kind": self.kind, "step": step.name, "status": status,
                           "execution": self.ctx.execution_id, "result": summary})


def record_failure(ctx: Context, kind: str, error: str, cause: str) -> dict[str, Any]:
    """The failure path of the workflow (Catch -> here): mark the running step and the operation failed, release
    the lease, and alert. Idempotent: the runner may already have recorded the failure."""
    me = ctx.execution_id
    seen: dict[str, Any] = {}

    def change(doc: dict[str, Any]) -> dict[str, Any] | None:
        seen.clear()
        op = doc.get("operation")
        if not op or op.get("holder") != me:
            seen["operation"] = (op or {}).get("id")
            return None
        seen["operation"] = op.get("id")
        now = ctx.now()
        if op.get("status") == "in_progress":
            step_name = op.get("current_step")
            record = (op.get("steps") or {}).get(step_name) or {}
            if record.get("status") in ("running", "awaiting_callback", None):
                record.update(status="failed", finished_at=now_iso(now), error=f"{error}: {cause}"[:4000])
                op.setdefault("steps", {})[step_name] = record
            op.update(status="failed", failed_step=step_name, lease_expires=0, updated_at=now_iso(now))
            add_history(doc, "operation_failed", step=step_name, error=error)
        seen["step"] = op.get("failed_step")
        return doc

    ctx.store().mutate(change)
    message = {"env": ctx.config.env, "kind": kind, "status": "FAILED", "operation": seen.get("operation"),
               "failed_step": seen.get("step"), "error": error, "cause": cause[:4000],
               "execution": me, "next": "fix the cause, then `mwaa-platform failover resume --env "
                                       f"{ctx.config.env}` (it continues after the last completed step)"}
    message_id = steps_mod.publish(ctx, f"[mwaa-platform] {ctx.config.env}: {kind} FAILED at "
                                        f"{seen.get('step') or 'unknown step'}", message)
    return {"alerted": message_id is not None, "operation": seen.get("operation"), "failed_step": seen.get("step")}
