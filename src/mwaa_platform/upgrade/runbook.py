"""The upgrade runbook: execute (in place or blue-green), resume, rollback, status, plan - step by step.

A runbook process holds the lease as ``runbook:<host>:<pid>:<start>`` (the failover's form, so a dead local
holder is recognised the same way). Every step is recorded before and after it runs; ``resume`` skips the
steps recorded done and re-runs the interrupted one (steps are idempotent on their own).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mwaa_platform import aws
from mwaa_platform.failover.runbook import runbook_execution_id
from mwaa_platform.upgrade import gate, state
from mwaa_platform.upgrade import steps as s
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.restore_point import restore_point
from mwaa_platform.upgrade.state import RefusedError

Step = tuple[str, Callable[[s.Call], dict[str, Any]], str]
PLANS: dict[str, list[Step]] = {
    "in_place": [
        ("inventory", s.inventory, "list the active DAGs and count runs / task instances"),
        ("pause", s.pause, "pause every active DAG (nothing runs during the change)"),
        ("drain", s.drain, "wait until no task of those DAGs is running or queued"),
        ("snapshot", s.snapshot, "our restore point: a metadata snapshot by the backup DAG"),
        ("update_version", s.update_version, "UpdateEnvironment with the new AirflowVersion"),
        ("wait_available", s.wait_available, "wait until AVAILABLE on the new version"),
        ("verify", s.verify, "DAGs parse, no import errors, no run lost, the canary run succeeds"),
        ("unpause", s.unpause, "unpause exactly the DAGs that were active"),
        ("record_version", s.record_version, "write the version record the Terraform guard reads"),
    ],
    "blue_green": [
        ("create_environment", s.create_environment, "a new environment on the target version, same config"),
        ("wait_available", s.wait_available, "wait until the new environment is AVAILABLE"),
        ("inventory", s.inventory, "list the old environment's active DAGs and count its runs"),
        ("pause", s.pause, "fence the old environment: pause its active DAGs"),
        ("drain", s.drain, "wait until no task there is running or queued (none runs on both sides)"),
        ("snapshot", s.snapshot, "a final snapshot of the old environment (full, or a delta on the latest full)"),
        ("restore", s.restore, "restore it into the new environment across versions"),
        ("verify", s.verify, "the new environment: DAGs parse, no run lost, the canary run succeeds"),
        ("unpause", s.unpause, "unpause in the new environment exactly what was active in the old"),
        ("record_version", s.record_version, "write the new environment's version record"),
    ],
    "rollback_in_place": [
        ("inventory", s.inventory, "list the active DAGs (plus those the upgrade paused)"),
        ("pause", s.pause, "pause them"),
        ("drain", s.drain, "wait until no task of those DAGs is running or queued"),
        ("update_version", s.update_version, "UpdateEnvironment back to the old version (unless MWAA already did)"),
        ("wait_available", s.wait_available, "wait until AVAILABLE on the old version"),
        ("restore_point", restore_point, "rows the downgrade lost: our restore point restored (metadata engine)"),
        ("verify", s.verify, "DAGs parse, no run lost, the canary run succeeds"),
        ("unpause", s.unpause, "unpause exactly those DAGs"),
        ("record_version", s.record_version, "write the version record"),
    ],
    "rollback_blue_green": [
        ("inventory", s.inventory, "list the new environment's active DAGs"),
        ("pause", s.pause, "fence the new environment"),
        ("drain", s.drain, "wait until no task there is running or queued"),
        ("unpause", s.unpause, "unfence the old environment: unpause what was active there"),
    ],
}


@dataclass
class Runbook:
    config: UpgradeConfig
    progress: s.Progress = field(default=lambda event: None)
    holder: str = field(default_factory=runbook_execution_id)
    sleep: Callable[[float], None] = time.sleep
    checker: gate.Checker | None = None   # `upgrade check` before execute; None: gate.environment_check

    def store(self) -> Any:
        return state.store(aws.client("dynamodb", self.config.region), self.config.state_table,
                           self.config.environment)

    def _call(self, op: dict[str, Any], st: Any = None) -> s.Call:
        call = s.Call(self.config, op, {}, self.progress, self.sleep)
        if st is not None:
            call.heartbeat = lambda step, detail: state.heartbeat(st, self.holder, step, detail,
                                                                  self.config.lease_seconds)
        return call

    # -- read-only -----------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        doc = state.read(self.store())
        env = s.get_environment(aws.client("mwaa", self.config.region), self.config.environment)
        op = doc.get("operation") or {}
        return {"environment": self.config.environment,
                "status": env.get("Status") if env else "MISSING",
                "airflow_version": env.get("AirflowVersion") if env else None,
                "active_environment": doc.get("active_environment") or self.config.environment,
                "operation": {k: op.get(k) for k in ("id", "kind", "status", "from", "to", "holder", "attempt",
                                                       "current_step", "failed_step", "started_at", "finished_at",
                                                       "source_environment", "target_environment", "check")}
                if op else None,
                "steps": [{"step": name, **{k: rec.get(k) for k in ("status", "attempts", "polls", "started_at",
                                                                      "finished_at", "error") if k in rec}}
                          for name, rec in (op.get("steps") or {}).items()],
                "history": doc.get("history", [])[-10:]}

    def describe_execute(self) -> dict[str, Any]:
        if self.config.target is None:
            raise RefusedError("execute needs --to")
        env = s.get_environment(aws.client("mwaa", self.config.region), self.config.environment)
        if env is None:
            raise RefusedError(f"environment {self.config.environment} does not exist")
        bg = self.config.strategy == "blue_green"
        return {"kind": self.config.strategy, "strategy": self.config.strategy, "from": env.get("AirflowVersion"),
                "to": self.config.target, "source_environment": self.config.environment,
                "target_environment": self.config.new_environment if bg else self.config.environment}

    def describe_rollback(self) -> dict[str, Any]:
        doc = state.read(self.store())
        op = doc.get("operation") or {}
        if op.get("kind") not in ("in_place", "blue_green"):
            raise RefusedError("there is no upgrade to roll back (the last operation is "
                               f"{op.get('kind') or 'none'}; see `upgrade status`)")
        done = (op.get("steps") or {})
        paused = ((done.get("inventory") or {}).get("result") or {}).get("active_before") or []
        if op["kind"] == "blue_green":
            return {"kind": "rollback_blue_green", "strategy": "blue_green", "from": op["to"], "to": op["from"],
                    "source_environment": op["target_environment"], "target_environment": op["source_environment"],
                    "also_active": paused, "undoes": op["id"]}
        env = s.get_environment(aws.client("mwaa", self.config.region), self.config.environment) or {}
        also = [] if op.get("status") == "completed" else paused
        point = (done.get("snapshot") or {}).get("result") or {}
        return {"kind": "rollback_in_place", "strategy": "in_place", "from": env.get("AirflowVersion"),
                "to": op["from"], "source_environment": op["source_environment"],
                "target_environment": op["source_environment"], "also_active": also, "undoes": op["id"],
                "restore_point": point.get("snapshot_id"), "restore_point_location": point.get("location"),
                "restore_point_rows": point.get("rows") or {},
                "restore_point_dag": bool(point.get("restore_dag_present", True))}

    def plan(self, action: str) -> dict[str, Any]:
        """What execute / resume / rollback would do, and what is already done (changes nothing)."""
        doc = state.read(self.store())
        op = doc.get("operation") or {}
        if action == "resume":
            if op.get("status") not in state.ACTIVE:
                raise RefusedError("there is no interrupted or failed upgrade operation to resume")
            what, done = dict(op), {n for n, r in (op.get("steps") or {}).items() if r.get("status") == "done"}
        else:
            what = self.describe_rollback() if action == "rollback" else self.describe_execute()
            done = set()
        pre: dict[str, Any] = {}
        check = None
        if action == "execute":
            try:
                pre = s.preflight(self._call({"id": "plan", **what}))
            except RefusedError as exc:
                pre = {"refused": str(exc)}
            check = ("skipped (--skip-check): recorded in the upgrade state" if self.config.skip_check else
                     "`upgrade check` on the environment's files runs first; any blocker refuses (nothing changed)")
        return {**{k: what.get(k) for k in ("kind", "from", "to", "source_environment", "target_environment")},
                "preflight": pre, **({"check": check} if check else {}),
                "steps": [{"step": name, "what": text, "will": "skip (done)" if name in done else "run"}
                          for name, _, text in PLANS[str(what["kind"])]]}

    # -- doing ---------------------------------------------------------------------------------------------
    def execute(self) -> dict[str, Any]:
        what = self.describe_execute()
        self._emit("step_started", "preflight", 1, len(PLANS[what["kind"]]) + 2)
        pre = s.preflight(self._call({"id": "preflight", **what}))
        self._emit("step_finished", "preflight", 1, 0, status="done", brief=pre)
        env = s.get_environment(aws.client("mwaa", self.config.region), self.config.environment) or {}
        checker = self.checker or gate.environment_check
        what["check"] = gate.run_gate(self.config, env, checker, self.progress)  # refuses on a blocker
        return self._drive(what["kind"], resume=False, takeover=False, describe=what)

    def resume(self, takeover: bool = False) -> dict[str, Any]:
        op = state.read(self.store()).get("operation") or {}
        if op.get("status") not in state.ACTIVE:
            raise RefusedError("there is no interrupted or failed upgrade operation to resume (see `status`)")
        return self._drive(str(op["kind"]), resume=True, takeover=takeover, describe={})

    def rollback(self) -> dict[str, Any]:
        what = self.describe_rollback()
        return self._drive(what["kind"], resume=False, takeover=False, describe=what)

    def _emit(self, event: str, step: str, index: int, total: int, **extra: Any) -> None:
        self.progress({"event": event, "step": step, **({"index": index, "total": total} if total else {}), **extra})

    def _drive(self, kind: str, *, resume: bool, takeover: bool, describe: dict[str, Any]) -> dict[str, Any]:
        st = self.store()
        plan = PLANS[kind]
        total = len(plan) + 2
        self._emit("step_started", "acquire_lease", 2, total)
        op = state.acquire(st, self.holder, kind, resume=resume, takeover=takeover,
                           lease_seconds=self.config.lease_seconds, describe=describe)
        self._emit("step_finished", "acquire_lease", 2, 0, status="done",
                   brief={"operation": op["id"], "attempt": op["attempt"]})
        call = self._call(op, st)
        outcomes: dict[str, Any] = {}
        for index, (name, func, _) in enumerate(plan, start=3):
            self._emit("step_started", name, index, total)
            started = time.monotonic()
            done, record = state.begin_step(st, self.holder, name, self.config.lease_seconds)
            if done:
                call.results[name] = outcomes[name] = record.get("result") or {}
                self._emit("step_finished", name, index, 0, status="skipped", seconds=0.0)
                continue
            try:
                result = func(call)
            except Exception as exc:  # recorded, then re-raised (a kill, a BaseException, records nothing)
                state.end_step(st, self.holder, name, "failed", error=f"{type(exc).__name__}: {exc}")
                self._emit("step_finished", name, index, 0, status="failed", seconds=round(time.monotonic() - started,
                                                                                           1), error=str(exc)[:500])
                raise
            state.end_step(st, self.holder, name, "done", result)
            call.results[name] = outcomes[name] = result
            self._emit("step_finished", name, index, 0, status="done", seconds=round(time.monotonic() - started, 1),
                       brief=_brief(result))
        active = op.get("target_environment")  # rollbacks too: their target is the environment that runs again
        final = state.complete(st, self.holder, active_environment=active)
        return {"operation": final["id"], "kind": kind, "from": op.get("from"), "to": op.get("to"),
                "active_environment": active, "check": op.get("check"), "steps": outcomes,
                "seconds": {n: r.get("seconds") for n, r in final.get("steps", {}).items()}}


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("called", "status", "airflow_version", "snapshot_id", "paused", "unpaused", "verified", "recorded",
            "created", "active_before", "counts_after", "waited_seconds", "run_id")
    return {k: result[k] for k in keys if k in result}
