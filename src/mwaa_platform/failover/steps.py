"""Every failover / failback step as a function of (context, plan, input, results) -> result.

Steps talk to AWS only through ``ctx.client(service, region)`` so tests inject clients and the runner
records every call's outcome. The runner (``runner.py``) owns the state table bookkeeping (lease checks,
never running a done step again, failure records); the steps own the work, and are idempotent on their
own: a re-run after a crash inside a step finds the environment already created, the DAG run already
triggered (fixed run id), the DAG already paused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.failover import health
from mwaa_platform.failover.airflow import AirflowRest, AirflowUnreachableError, major_version
from mwaa_platform.failover.context import Context, Side
from mwaa_platform.failover.errors import (
    EnvironmentFailedError,
    FencingFailedError,
    RefusedError,
    RestoreFailedError,
    StepFailedError,
    StepTimeoutError,
    VerificationFailedError,
)
from mwaa_platform.failover.state import add_history, compact, now_iso

log = logging.getLogger("mwaa_platform.failover")
CREATING = {"CREATING", "PENDING", "UPDATING"}
ENV_FAILED = {"CREATE_FAILED", "UNAVAILABLE", "UPDATE_FAILED", "DELETING", "DELETED"}
RUN_DONE = {"success", "failed"}
OBJECT_VERSION_KEYS = {"PluginsS3ObjectVersion", "RequirementsS3ObjectVersion", "StartupScriptS3ObjectVersion"}
CREATE_KEYS = ("AirflowVersion", "EnvironmentClass", "MaxWorkers", "MinWorkers", "MaxWebservers", "MinWebservers",
               "Schedulers", "DagS3Path", "PluginsS3Path", "RequirementsS3Path", "StartupScriptS3Path",
               "AirflowConfigurationOptions", "WebserverAccessMode", "WeeklyMaintenanceWindowStart",
               "EndpointManagement", "Tags", "ExecutionRoleArn", "SourceBucketArn", "KmsKey")


@dataclass(frozen=True)
class Plan:
    """Which way an operation goes: from ``source`` (abandoned, fenced) to ``target`` (becomes active)."""

    kind: str          # failover | failback
    source: Side
    target: Side


def plan_for(kind: str, ctx: Context) -> Plan:
    if kind == "failover":
        return Plan("failover", ctx.primary, ctx.secondary)
    if kind == "failback":
        return Plan("failback", ctx.secondary, ctx.primary)
    raise RefusedError(f"unknown operation {kind!r}: failover or failback")


@dataclass
class Call:
    ctx: Context
    plan: Plan
    input: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    operation: dict[str, Any] = field(default_factory=dict)   # the operation document (id, attempt, ...)

    def mwaa(self, side: Side) -> Any:
        return self.ctx.client("mwaa", side.region)

    def rest(self, side: Side) -> AirflowRest:
        env = get_environment(self.mwaa(side), side.environment)
        if env is None:
            raise AirflowUnreachableError(f"{side.environment} does not exist in {side.region}")
        return AirflowRest(self.mwaa(side), side.environment, major_version(env.get("AirflowVersion")))

    @property
    def op_id(self) -> str:
        return str(self.operation.get("id") or "no-operation")

    @property
    def attempt(self) -> int:
        return int(self.operation.get("attempt") or 1)

    def run_id(self, purpose: str) -> str:
        """A DAG run id per operation, purpose and attempt: stable, so a re-run finds the run it triggered, and
        short, because InvokeRestApi paths (/dags/<dag>/dagRuns/<run>) are limited to 64 characters."""
        return f"dr-{self.op_id.rsplit('-', 1)[-1][:8]}-{purpose[:1]}{self.attempt}"


StepFunc = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    name: str                 # Python step name; also the Lambda handler name
    state: str                # the Step Functions state name
    func: StepFunc
    kind: str = "task"        # gate (no lease) | lease | task | poll | callback | final
    lambda_timeout: int = 120
    description: str = ""


def get_environment(mwaa: Any, name: str) -> dict[str, Any] | None:
    try:
        env: dict[str, Any] = mwaa.get_environment(Name=name)["Environment"]
        return env
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def _seconds_since(ctx: Context, iso: str | None) -> float:
    if not iso:
        return 0.0
    return (ctx.now() - datetime.fromisoformat(iso)).total_seconds()


# ---------------------------------------------------------------------------------------------------------
# Health and configuration (no lease: they run on every schedule tick)
# ---------------------------------------------------------------------------------------------------------
def evaluate_health(call: Call) -> dict[str, Any]:
    """Decide from several signals over several periods whether the primary is unhealthy."""
    ctx, primary = call.ctx, call.ctx.primary
    doc = ctx.store().read().doc
    if doc.get("active_region") != primary.region:
        return {"decision": "failed_over", "active_region": doc.get("active_region"),
                "summary": f"already failed over: {doc.get('active_region')} is active"}
    report = health.evaluate(ctx.client("cloudwatch", primary.region), ctx.client("mwaa", primary.region),
                             primary.environment, ctx.config.health, ctx.now())
    return {"decision": report.decision, "summary": report.summary(), "report": report.to_dict()}


def store_config(call: Call) -> dict[str, Any]:
    """While healthy: keep the primary's GetEnvironment in the secondary bucket (only written when it changed)."""
    ctx, primary, config = call.ctx, call.ctx.primary, call.ctx.config
    try:
        env = get_environment(ctx.client("mwaa", primary.region), primary.environment)
    except (ClientError, BotoCoreError) as exc:
        return {"stored": False, "reason": f"GetEnvironment failed: {exc}"}
    if env is None:
        return {"stored": False, "reason": f"{primary.environment} does not exist in {primary.region}"}
    for volatile in ("Status", "LastUpdate", "CeleryExecutorQueue", "DatabaseVpcEndpointService",
                     "WebserverVpcEndpointService", "WebserverUrl"):
        env.pop(volatile, None)
    body = json.dumps({"source_region": primary.region, "environment": env}, default=str, sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()
    s3 = ctx.client("s3", config.secondary_region)
    try:
        head = s3.head_object(Bucket=config.config_bucket, Key=config.stored_config_key)
        if head.get("Metadata", {}).get("sha256") == digest:
            return {"stored": True, "changed": False, "key": config.stored_config_key}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=config.config_bucket, Key=config.stored_config_key, Body=body.encode(),
                  ContentType="application/json", Metadata={"sha256": digest, "stored-at": now_iso(ctx.now())})
    return {"stored": True, "changed": True, "key": config.stored_config_key}


def check_failback(call: Call) -> dict[str, Any]:
    """Failback preconditions: the secondary is active and the primary environment is AVAILABLE again."""
    ctx, primary = call.ctx, call.ctx.primary
    doc = ctx.store().read().doc
    if doc.get("active_region") != ctx.secondary.region:
        raise RefusedError(f"failback needs the secondary ({ctx.secondary.region}) to be active; "
                      f"{doc.get('active_region')} is active")
    env = get_environment(ctx.client("mwaa", primary.region), primary.environment)
    if env is None or env.get("Status") != "AVAILABLE":
        status = env.get("Status") if env else "missing"
        raise RefusedError(f"the primary environment {primary.environment} in {primary.region} is {status}: "
                      "re-apply the primary stack (make apply REGION=<primary>) until it is AVAILABLE")
    if not ctx.config.failback_backup_url:
        raise RefusedError("failback_backup_url is not configured: set it to the secondary environment's "
                      "DR backup location (dr-failover variable failback_backup_url)")
    return {"ready": True, "primary_status": env.get("Status")}


# ---------------------------------------------------------------------------------------------------------
# The lease
# ---------------------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------------------
# Fencing
# ---------------------------------------------------------------------------------------------------------
def fence(call: Call) -> dict[str, Any]:
    """Pause every active DAG of the environment we leave, when reachable; record the outcome either way."""
    side = call.plan.source
    keep = set(call.ctx.config.never_pause_dags)
    if call.plan.kind == "failback":
        keep.add(call.ctx.config.backup_dag_id)  # the failback's final backup must still run there
    paused: list[str] = []
    errors: list[str] = []
    try:
        rest = call.rest(side)
        active = [d["dag_id"] for d in rest.dags(paused=False)]
    except (AirflowUnreachableError, ClientError, BotoCoreError) as exc:
        result = {"result": "unreachable", "environment": side.environment, "region": side.region,
                  "detail": str(exc)[:500], "paused": []}
        if call.ctx.config.require_fencing:
            raise FencingFailedError(f"could not fence {side.environment} in {side.region}: {exc} "
                                "(require_fencing is set: fence it by hand, then resume)") from None
        return result
    for dag_id in active:
        if dag_id in keep:
            continue
        try:
            rest.set_paused(dag_id, True)
            paused.append(dag_id)
        except AirflowUnreachableError as exc:
            errors.append(f"{dag_id}: {exc}")
    outcome = "fenced" if not errors else "partial"
    if errors and call.ctx.config.require_fencing:
        raise FencingFailedError(f"fencing {side.environment} paused {len(paused)} DAGs but failed for {errors[:5]}")
    return {"result": outcome, "environment": side.environment, "region": side.region, "paused": sorted(paused),
            "active_before": sorted(active), "errors": errors}


# ---------------------------------------------------------------------------------------------------------
# The target environment
# ---------------------------------------------------------------------------------------------------------
def create_params(stored: dict[str, Any], overrides: dict[str, Any], name: str) -> dict[str, Any]:
    """CreateEnvironment input from a stored GetEnvironment, with the secondary's overrides applied."""
    params: dict[str, Any] = {"Name": name}
    for key in CREATE_KEYS:
        if stored.get(key) not in (None, "", {}, []):
            params[key] = stored[key]
    network = stored.get("NetworkConfiguration") or {}
    if network:
        params["NetworkConfiguration"] = {k: v for k, v in network.items() if k in ("SubnetIds", "SecurityGroupIds")}
    logging_conf = stored.get("LoggingConfiguration") or {}
    if logging_conf:
        params["LoggingConfiguration"] = {
            module: {"Enabled": bool(conf.get("Enabled")), **({"LogLevel": conf["LogLevel"]} if conf.get("LogLevel")
                                                               else {})}
            for module, conf in logging_conf.items() if isinstance(conf, dict)}
    for key, value in overrides.items():
        if key in ("AirflowConfigurationOptions", "Tags"):
            params[key] = {**(params.get(key) or {}), **value}
        else:
            params[key] = value
    missing = [k for k in ("NetworkConfiguration", "SourceBucketArn", "ExecutionRoleArn") if k not in overrides]
    if stored.get("KmsKey") and "KmsKey" not in overrides:
        missing.append("KmsKey")
    if missing:
        raise RefusedError(f"secondary_overrides must set {missing}: they are regional and the stored primary values "
                      "do not exist in the secondary")
    older = _older_version(params.get("AirflowVersion"), stored.get("AirflowVersion"))
    if older:
        raise RefusedError(older)
    for key in OBJECT_VERSION_KEYS:
        params.pop(key, None)
    return params


def _older_version(target: Any, source: Any) -> str | None:
    """Why a secondary on ``target`` cannot take the primary's history from ``source`` (None: it can).

    A restore goes forward only (Airflow's migrations upgrade a snapshot; none downgrades one it does not know).
    The Lambda zip carries no version table (import contracts): versions compare as MAJOR.MINOR.PATCH numbers."""
    if not target or not source:
        return None
    parsed = [tuple(int(p) for p in str(v).split(".")) if re.fullmatch(r"\d+\.\d+\.\d+", str(v)) else None
              for v in (target, source)]
    if parsed[0] is None or parsed[1] is None:
        bad = target if parsed[0] is None else source
        return f"secondary_overrides AirflowVersion: not an Airflow version: {bad!r} (expected MAJOR.MINOR.PATCH)"
    if parsed[0] >= parsed[1]:
        return None
    return (f"secondary_overrides AirflowVersion {target} is older than the primary's {source}: a restore only "
            "goes forward (Airflow's migrations upgrade a snapshot, none downgrades it); set the secondary's "
            f"airflow_version to {source} or newer")


def create_environment(call: Call) -> dict[str, Any]:
    """backup_restore: CreateEnvironment from the stored configuration; warm_standby: the standby must exist."""
    ctx, target = call.ctx, call.plan.target
    mwaa = call.mwaa(target)
    existing = get_environment(mwaa, target.environment)
    if existing is not None:
        status = existing.get("Status")
        if status in ENV_FAILED:
            raise EnvironmentFailedError(f"{target.environment} in {target.region} exists in status {status} "
                                    f"({(existing.get('LastUpdate') or {}).get('Error')}); delete it (or fix it) "
                                    "and resume")
        return {"created": False, "existing": True, "status": status, "arn": existing.get("Arn")}
    if ctx.config.dr_mode == "warm_standby" or call.plan.kind == "failback":
        raise EnvironmentFailedError(f"the {target.role} environment {target.environment} does not exist in "
                                f"{target.region}: apply the {target.role} stack (warm standby) or set "
                                "dr_mode = backup_restore")
    s3 = ctx.client("s3", ctx.config.secondary_region)
    try:
        stored = json.loads(s3.get_object(Bucket=ctx.config.config_bucket,
                                          Key=ctx.config.stored_config_key)["Body"].read())
    except ClientError as exc:
        raise StepFailedError(f"no stored configuration at s3://{ctx.config.config_bucket}/"
                         f"{ctx.config.stored_config_key} ({exc.response.get('Error', {}).get('Code')}): the "
                         "healthy-path store_config never ran; create the environment by hand and resume") from None
    params = create_params(stored["environment"], ctx.config.secondary_overrides, target.environment)
    try:
        arn = mwaa.create_environment(**params)["Arn"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise EnvironmentFailedError(f"CreateEnvironment {target.environment} in {target.region} failed: "
                                f"{error.get('Code')}: {error.get('Message')}") from None
    return {"created": True, "arn": arn, "airflow_version": params.get("AirflowVersion"),
            "environment_class": params.get("EnvironmentClass")}


def wait_available(call: Call) -> dict[str, Any]:
    """One poll of the target's status: done when AVAILABLE; fails on a failed status or after the timeout."""
    ctx, target = call.ctx, call.plan.target
    env = get_environment(call.mwaa(target), target.environment)
    status = env.get("Status") if env else "MISSING"
    if status == "AVAILABLE":
        return {"done": True, "status": status}
    if status in ENV_FAILED or env is None:
        error = (env or {}).get("LastUpdate", {}).get("Error") if env else None
        raise EnvironmentFailedError(f"{target.environment} in {target.region} is {status}: {error}")
    waited = _seconds_since(ctx, ctx.step_started_at)
    if waited > ctx.config.wait_available_timeout_seconds:
        raise StepTimeoutError(f"{target.environment} still {status} after {int(waited)} s")
    return {"done": False, "status": status, "waited_seconds": int(waited)}


# ---------------------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------------------
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
    conf: dict[str, Any] = {"snapshot": "latest", "strategy": config.restore_strategy, "backup_url": backup_url}
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


def _fence_result(call: Call) -> dict[str, Any]:
    name = "fence_primary" if call.plan.kind == "failover" else "fence_secondary"
    found: dict[str, Any] = call.results.get(name) or {}
    return found


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


# ---------------------------------------------------------------------------------------------------------
# Notification and release
# ---------------------------------------------------------------------------------------------------------
def publish(ctx: Context, subject: str, message: dict[str, Any]) -> str | None:
    """SNS publish (best effort: a notification failure never stops the failover); the message id or None."""
    if not ctx.config.topic_arn:
        return None
    try:
        got = ctx.client("sns", ctx.config.secondary_region).publish(
            TopicArn=ctx.config.topic_arn, Subject=subject[:99],
            Message=json.dumps(message, default=str, sort_keys=True)[:200_000])
        message_id: str = got.get("MessageId", "")
        return message_id
    except (ClientError, BotoCoreError) as exc:
        log.warning("SNS publish failed: %s", exc)
        return None


def notify(call: Call) -> dict[str, Any]:
    """The summary of the operation to SNS: what happened, in which order, with the fencing result."""
    ctx, plan = call.ctx, call.plan
    timeline = {name: {k: step.get(k) for k in ("status", "started_at", "finished_at", "attempts")}
                for name, step in (call.operation.get("steps") or {}).items()}
    fence_result = _fence_result(call).get("result")
    message = {"env": ctx.config.env, "operation": call.op_id, "kind": plan.kind, "status": "completing",
               "from": plan.source.region, "to": plan.target.region, "fencing": fence_result,
               "timeline": timeline}
    message_id = publish(ctx, f"[mwaa-platform] {ctx.config.env}: {plan.kind} to {plan.target.region} completed",
                         message)
    return {"sent": message_id is not None, "message_id": message_id, "fencing": fence_result}


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


# ---------------------------------------------------------------------------------------------------------
# The workflows
# ---------------------------------------------------------------------------------------------------------
FAILOVER_STEPS: list[Step] = [
    Step("evaluate_health", "EvaluateHealth", evaluate_health, "gate", 120,
         "SchedulerHeartbeat over M periods + GetEnvironment (+ canary): healthy, unhealthy or unknown"),
    Step("acquire_lease", "AcquireLease", acquire_lease, "lease", 60,
         "conditional write: start (or, when resuming, take over) the operation"),
    Step("fence_primary", "FencePrimary", fence, "task", 300,
         "pause the primary's active DAGs when reachable; record the result"),
    Step("create_environment", "CreateEnvironment", create_environment, "task", 120,
         "backup_restore: CreateEnvironment from the stored config; warm_standby: check the standby"),
    Step("wait_available", "WaitAvailable", wait_available, "poll", 60,
         "poll until the secondary environment is AVAILABLE"),
    Step("start_restore", "StartRestore", start_restore, "callback", 120,
         "trigger the restore DAG with a task token; wait for its callback"),
    Step("unpause", "Unpause", unpause, "task", 300, "unpause the DAGs that were active in the primary"),
    Step("verify", "Verify", verify, "task", 900, "AVAILABLE, restore committed, DAGs active, a new run succeeds"),
    Step("notify", "Notify", notify, "task", 60, "SNS summary with the timeline and the fencing result"),
    Step("release", "Release", release, "final", 60, "the secondary becomes active; release the lease"),
]

FAILBACK_STEPS: list[Step] = [
    Step("check_failback", "CheckFailback", check_failback, "gate", 60,
         "the secondary is active and the primary environment is AVAILABLE again"),
    Step("acquire_lease", "AcquireLease", acquire_lease, "lease", 60, "start (or resume) the failback"),
    Step("fence_secondary", "FenceSecondary", fence, "task", 300, "pause the secondary's active DAGs"),
    Step("backup_secondary", "BackupSecondary", backup_source, "task", 900,
         "a final backup of the secondary, then pause its backup DAG"),
    Step("restore_primary", "RestorePrimary", start_restore, "callback", 120,
         "restore the final backup into the primary"),
    Step("unpause_primary", "UnpausePrimary", unpause, "task", 300, "unpause the DAGs active in the secondary"),
    Step("verify_primary", "VerifyPrimary", verify, "task", 900, "the primary verifies like a failover target"),
    Step("notify", "Notify", notify, "task", 60, "SNS summary"),
    Step("release", "Release", release, "final", 60, "the primary becomes active again; release the lease"),
]

# Runs on the healthy branch of every scheduled evaluation, outside any operation.
STORE_CONFIG = Step("store_config", "StoreConfig", store_config, "gate", 60,
                    "keep the primary's environment configuration in the secondary bucket")


def steps_for(kind: str) -> list[Step]:
    if kind == "failover":
        return FAILOVER_STEPS
    if kind == "failback":
        return FAILBACK_STEPS
    raise RefusedError(f"unknown operation {kind!r}: failover or failback")


def step_named(kind: str, name: str) -> Step:
    if name == STORE_CONFIG.name:
        return STORE_CONFIG
    for step in steps_for(kind):
        if step.name == name:
            return step
    raise RefusedError(f"{kind} has no step {name!r}")
