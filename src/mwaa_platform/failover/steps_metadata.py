"""Metadata and DAGs in the target: the restore DAG run (or the failback's final backup in the source), the DAGs
that were active unpaused, and the verification with a new run."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from mwaa_platform.failover.airflow import AirflowRest
from mwaa_platform.failover.context import Side
from mwaa_platform.failover.errors import RestoreFailedError, StepFailedError, StepTimeoutError, VerificationFailedError
from mwaa_platform.failover.state import now_iso
from mwaa_platform.failover.step_types import Call, get_environment
from mwaa_platform.failover.steps_fencing import _fence_result

RUN_DONE = {"success", "failed"}


def _wait_run(call: Call, rest: AirflowRest, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
    ctx = call.ctx
    deadline = ctx.now() + timedelta(seconds=timeout)
    while True:
        run = rest.run(dag_id, run_id) or {}
        if run.get("state") in RUN_DONE:
            return run
        if ctx.now() >= deadline:
            raise StepTimeoutError(f"{dag_id} run {run_id} still {run.get('state')} after {int(timeout)} s")
        ctx.sleep(min(ctx.config.poll_seconds, 10))


def _ensure_dag_runs(rest: AirflowRest, dag_id: str, side: Side) -> None:
    dag = rest.dag(dag_id)
    if dag is None:
        raise StepFailedError(f"DAG {dag_id} is not deployed in {side.environment} ({side.region}): ship dags/ "
                              "to its DAGs bucket and resume")
    if dag.get("is_paused"):
        rest.set_paused(dag_id, False)  # runs of a paused DAG never start


def start_restore(call: Call) -> dict[str, Any]:
    """Run the restore DAG in the target; with a task token the DAG answers Step Functions, else we poll."""
    ctx, target, config = call.ctx, call.plan.target, call.ctx.config
    rest = call.rest(target)
    _ensure_dag_runs(rest, config.restore_dag_id, target)
    backup_url = config.backup_url if call.plan.kind == "failover" else config.failback_backup_url
    run_id = call.run_id("restore")
    conf: dict[str, Any] = {"snapshot": "latest", "strategy": config.restore_strategy, "backup_url": backup_url,
                            "in_flight": config.restore_in_flight}
    if ctx.task_token:
        conf["task_token"] = ctx.task_token
    rest.trigger(config.restore_dag_id, run_id, conf)
    if ctx.task_token:
        return {"dag_run_id": run_id, "awaiting_callback": True}
    run = _wait_run(call, rest, config.restore_dag_id, run_id, config.restore_timeout_seconds)
    if run.get("state") != "success":
        raise RestoreFailedError(f"restore run {run_id} in {target.environment} ended {run.get('state')}")
    return {"dag_run_id": run_id, "state": "success", "backup_url": backup_url}


def backup_source(call: Call) -> dict[str, Any]:
    """Failback: a final backup of the environment we leave, then its backup DAG is paused too."""
    source, config = call.plan.source, call.ctx.config
    rest = call.rest(source)
    _ensure_dag_runs(rest, config.backup_dag_id, source)
    run_id = call.run_id("backup")
    rest.trigger(config.backup_dag_id, run_id, {})
    run = _wait_run(call, rest, config.backup_dag_id, run_id, config.restore_timeout_seconds)
    if run.get("state") != "success":
        raise StepFailedError(f"final backup run {run_id} in {source.environment} ended {run.get('state')}")
    rest.set_paused(config.backup_dag_id, True)
    return {"dag_run_id": run_id, "state": "success"}


def unpause(call: Call) -> dict[str, Any]:
    """Unpause in the target exactly the DAGs that were active in the source (known from fencing)."""
    target = call.plan.target
    rest = call.rest(target)
    fenced = _fence_result(call)
    wanted = sorted(set(fenced.get("active_before") or fenced.get("paused") or []))
    unpaused, already, missing = [], [], []
    for dag_id in wanted:
        dag = rest.dag(dag_id)
        if dag is None:
            missing.append(dag_id)
        elif dag.get("is_paused"):
            rest.set_paused(dag_id, False)
            unpaused.append(dag_id)
        else:
            already.append(dag_id)
    active_now = sorted(d["dag_id"] for d in rest.dags(paused=False))
    source = "fencing" if fenced.get("result") in ("fenced", "partial") else "restore"
    return {"wanted_from": source, "unpaused": unpaused, "already_active": already, "missing": missing,
            "active": active_now}


def verify(call: Call) -> dict[str, Any]:
    """The target is AVAILABLE, the restore committed, the wanted DAGs are active, and a new run succeeds."""
    target, config = call.plan.target, call.ctx.config
    checks: dict[str, Any] = {}
    env = get_environment(call.mwaa(target), target.environment)
    checks["available"] = bool(env and env.get("Status") == "AVAILABLE")
    restore_name = "start_restore" if call.plan.kind == "failover" else "restore_primary"
    restored = call.results.get(restore_name) or {}
    if "committed" in restored:
        bad = sorted(t for t, info in (restored.get("tables") or {}).items()
                     if info.get("state") in ("failed", "rolled_back"))
        checks["restore_committed"] = bool(restored.get("committed")) and not bad
        checks["restore_failed_tables"] = bad
    else:
        checks["restore_committed"] = restored.get("state") == "success"
    rest = call.rest(target)
    unpause_name = "unpause" if call.plan.kind == "failover" else "unpause_primary"
    wanted = set((call.results.get(unpause_name) or {}).get("unpaused", [])) | set(
        (call.results.get(unpause_name) or {}).get("already_active", []))
    active = {d["dag_id"] for d in rest.dags(paused=False)}
    checks["dags_paused_that_should_run"] = sorted(wanted - active)
    if config.verify_dag_id:
        _ensure_dag_runs(rest, config.verify_dag_id, target)
        run_id = call.run_id("verify")
        # a logical date, as a scheduled or UI-triggered run has: on Airflow 3 a run without one has no ts/ds in
        # its context, and a DAG written for 2.x fails on it (measured in the Airflow 3.2.1 drill)
        rest.trigger(config.verify_dag_id, run_id, {"reason": f"{call.plan.kind} verification"},
                     logical_date=now_iso(call.ctx.now()))
        run = _wait_run(call, rest, config.verify_dag_id, run_id, config.verify_timeout_seconds)
        checks["new_run"] = {"dag_id": config.verify_dag_id, "run_id": run_id, "state": run.get("state")}
    ok = (checks["available"] and checks["restore_committed"] and not checks["dags_paused_that_should_run"]
          and checks.get("new_run", {}).get("state", "success") == "success")
    if not ok:
        raise VerificationFailedError(f"{target.environment} failed verification: {json.dumps(checks, default=str)}")
    return {"verified": True, "checks": checks}
