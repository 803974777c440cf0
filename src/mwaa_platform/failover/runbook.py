"""The runbook: status, plan, execute, resume, failback, step by step, through the same runner as the Lambdas.

A runbook execution holds the lease as ``runbook:<host>:<pid>:<start>``. ``resume`` takes over a failed
operation, or one whose holder is a runbook process on this host that is no longer alive (killed between
or inside steps), or any holder when the operator passes ``takeover`` (after making sure it is gone: the
old holder can no longer record anything once the lease moved, because every write is conditional).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mwaa_platform.failover import steps as steps_mod
from mwaa_platform.failover.context import Context
from mwaa_platform.failover.errors import RefusedError
from mwaa_platform.failover.runner import Outcome, Runner, recorded_results

Progress = Callable[[dict[str, Any]], None]


def runbook_execution_id() -> str:
    return f"runbook:{socket.gethostname()}:{os.getpid()}:{int(time.time())}"


def holder_is_dead_local_runbook(holder: str | None) -> bool:
    """True when ``holder`` is a runbook process on this host that no longer runs."""
    parts = (holder or "").split(":")
    if len(parts) != 4 or parts[0] != "runbook" or parts[1] != socket.gethostname():
        return False
    try:
        pid = int(parts[2])
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class Runbook:
    ctx: Context
    progress: Progress = field(default=lambda event: None)

    # -- read-only -----------------------------------------------------------------------------------------
    def status(self, with_health: bool = True) -> dict[str, Any]:
        doc = self.ctx.store().read().doc
        report: dict[str, Any] = {"env": self.ctx.config.env, "dr_mode": self.ctx.config.dr_mode,
                                  "active_region": doc.get("active_region"),
                                  "active_environment": doc.get("active_environment"),
                                  "active_since": doc.get("active_since"), "operation": doc.get("operation"),
                                  "history": doc.get("history", [])[-10:]}
        if with_health:
            call = steps_mod.Call(self.ctx, steps_mod.plan_for("failover", self.ctx))
            report["health"] = steps_mod.evaluate_health(call)
        return report

    def plan(self, kind: str = "failover") -> dict[str, Any]:
        """What execute / resume would do, step by step, and what is already done."""
        doc = self.ctx.store().read().doc
        op = doc.get("operation") or {}
        same = op.get("kind") == kind and op.get("status") in ("in_progress", "failed")
        done = recorded_results(op) if same else {}
        gate = steps_mod.steps_for(kind)[0]
        call = steps_mod.Call(self.ctx, steps_mod.plan_for(kind, self.ctx))
        try:
            evidence: dict[str, Any] = gate.func(call)
        except RefusedError as exc:
            evidence = {"refused": str(exc)}
        rows = []
        for step in steps_mod.steps_for(kind)[1:]:
            state = (op.get("steps") or {}).get(step.name, {}).get("status") if same else None
            rows.append({"step": step.name, "what": step.description,
                         "will": "skip (done)" if step.name in done else "run", "recorded": state})
        plan = steps_mod.plan_for(kind, self.ctx)
        return {"kind": kind, "from": plan.source.__dict__, "to": plan.target.__dict__,
                "dr_mode": self.ctx.config.dr_mode, "gate": {gate.name: evidence},
                "restore": {"strategy": self.ctx.config.restore_strategy,
                            "in_flight": self.ctx.config.restore_in_flight},
                "resumes_operation": op.get("id") if same else None, "steps": rows}

    # -- doing ---------------------------------------------------------------------------------------------
    def _emit(self, **event: Any) -> None:
        self.progress(event)

    def _drive(self, runner: Runner, start_input: dict[str, Any]) -> dict[str, Any]:
        outcomes: dict[str, Any] = {}
        steps = runner.steps[2:]  # after the gate and the lease
        for index, step in enumerate(steps, start=3):
            started = time.monotonic()
            self._emit(event="step_started", step=step.name, index=index, total=len(runner.steps))
            outcome = runner.run(step.name, start_input)
            while outcome.status == "waiting":
                self._emit(event="step_waiting", step=step.name, detail=outcome.result)
                self.ctx.sleep(self.ctx.config.poll_seconds)
                outcome = runner.run(step.name, start_input)
            outcomes[step.name] = outcome.result
            self._emit(event="step_finished", step=step.name, status=outcome.status,
                       seconds=round(time.monotonic() - started, 2), result=outcome.result)
        return outcomes

    def execute(self, kind: str = "failover", force: bool = False) -> dict[str, Any]:
        runner = Runner(self.ctx, kind)
        gate = runner.steps[0]
        self._emit(event="step_started", step=gate.name, index=1, total=len(runner.steps))
        evidence = runner.run(gate.name).result
        self._emit(event="step_finished", step=gate.name, status="done", result=evidence)
        if kind == "failover":
            decision = evidence.get("decision")
            if decision == "failed_over":
                raise RefusedError(f"already failed over: {evidence.get('active_region')} is active (see `status`)")
            if decision != "unhealthy" and not force:
                raise RefusedError(f"the primary is {decision}: {evidence.get('summary')}. Refusing to fail over; pass "
                              "--force to fail over anyway (planned failover or a failure the signals miss)")
        return self._lease_and_drive(runner, {"force": force}, {gate.name: evidence})

    def resume(self, kind: str | None = None, takeover: bool = False) -> dict[str, Any]:
        doc = self.ctx.store().read().doc
        op = doc.get("operation") or {}
        if not op or op.get("status") == "completed":
            raise RefusedError("there is no operation to resume (the last one completed): use `execute`")
        kind = kind or str(op.get("kind"))
        if op.get("kind") != kind:
            raise RefusedError(f"the operation to resume is a {op.get('kind')}, not a {kind}")
        start_input: dict[str, Any] = {"resume": True}
        live = op.get("status") == "in_progress" and op.get("lease_expires", 0) > time.time()
        if live:
            holder = op.get("holder")
            if takeover or holder_is_dead_local_runbook(holder):
                start_input["takeover_from"] = holder
            else:
                raise RefusedError(f"operation {op.get('id')} is in progress, held by {holder} until "
                              f"{op.get('lease_expires')}: if that holder is gone, resume with --takeover")
        return self._lease_and_drive(Runner(self.ctx, kind), start_input, {})

    def _lease_and_drive(self, runner: Runner, start_input: dict[str, Any], gate: dict[str, Any]) -> dict[str, Any]:
        lease_step = runner.steps[1]
        self._emit(event="step_started", step=lease_step.name, index=2, total=len(runner.steps))
        lease: Outcome = runner.run(lease_step.name, start_input, gate)
        if not lease.result.get("acquired"):
            raise RefusedError(str(lease.result.get("reason")))
        self._emit(event="step_finished", step=lease_step.name, status="done", result=lease.result)
        outcomes = self._drive(runner, start_input)
        return {"operation": lease.result.get("operation"), "kind": runner.kind, "steps": outcomes}
