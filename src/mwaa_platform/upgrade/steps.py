"""Every upgrade step as a function of a :class:`Call` -> result (a JSON-able dict).

Steps are idempotent on their own (a re-run after a kill inside one finds the update already started, the run
already triggered under its fixed id, the DAG already paused); the runbook never runs a step recorded done.
The Airflow side goes through MWAA InvokeRestApi (:class:`~mwaa_platform.failover.airflow.AirflowRest`), so
the same code works on MWAA and on the local MWAA.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform import aws, versions
from mwaa_platform.failover.airflow import AirflowRest, AirflowUnreachableError, major_version
from mwaa_platform.failover.steps import OBJECT_VERSION_KEYS, create_params, get_environment
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.state import RefusedError, StepFailedError

ENV_FAILED = {"CREATE_FAILED", "UNAVAILABLE", "DELETING", "DELETED", "ROLLBACK_FAILED"}
BACKUP_URL_OPTION = "mwaa_platform.dr_backup_url"
Progress = Callable[[dict[str, Any]], None]


@dataclass
class Call:
    config: UpgradeConfig
    op: dict[str, Any]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: Progress = field(default=lambda event: None)
    sleep: Callable[[float], None] = time.sleep
    heartbeat: Callable[[str, str], None] = field(default=lambda step, detail: None)  # records a poll, renews the lease

    @property
    def mwaa(self) -> Any:
        return aws.client("mwaa", self.config.region, read_timeout=120)

    def environment(self, name: str) -> dict[str, Any]:
        env = get_environment(self.mwaa, name)
        if env is None:
            raise StepFailedError(f"environment {name} does not exist in {self.config.region or 'the region'}")
        return env

    def rest(self, name: str) -> AirflowRest:
        return AirflowRest(self.mwaa, name, major_version(self.environment(name).get("AirflowVersion")))

    @property
    def dr_dags(self) -> tuple[str, ...]:
        return (self.config.backup_dag_id, self.config.restore_dag_id)

    @property
    def source(self) -> str:
        return str(self.op["source_environment"])

    @property
    def target_env(self) -> str:
        return str(self.op["target_environment"])

    def run_id(self, purpose: str) -> str:
        """Fixed per operation, purpose and attempt (a resumed step finds the run it triggered)."""
        return f"upg-{str(self.op['id']).rsplit('-', 1)[-1]}-{purpose}{int(self.op.get('attempt') or 1)}"

    def wait(self, what: str, detail: str) -> None:
        self.heartbeat(what, detail)
        self.progress({"event": "step_waiting", "step": what, "detail": detail})
        self.sleep(self.config.poll_seconds)


# ---------------------------------------------------------------------------------------------------------
# Airflow helpers
# ---------------------------------------------------------------------------------------------------------
def _total(rest: AirflowRest, path: str) -> int:
    return int((rest.ok("GET", path, {"limit": 1}) or {}).get("total_entries") or 0)


def counts(rest: AirflowRest, leave_out: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows the upgrade must carry: DAG runs and task instances over every DAG (the REST API's totals), less
    those of ``leave_out`` (the DR DAGs, whose own runs a snapshot never carries)."""
    found = {"dag_run": _total(rest, "/dags/~/dagRuns"),
             "task_instance": _total(rest, "/dags/~/dagRuns/~/taskInstances")}
    for dag_id in leave_out:
        if rest.dag(dag_id) is not None:
            found["dag_run"] -= _total(rest, f"/dags/{dag_id}/dagRuns")
            found["task_instance"] -= _total(rest, f"/dags/{dag_id}/dagRuns/~/taskInstances")
    return found


def _wait_run(call: Call, rest: AirflowRest, dag_id: str, run_id: str, step: str) -> dict[str, Any]:
    deadline = time.monotonic() + call.config.run_timeout_seconds
    while True:
        run = rest.run(dag_id, run_id) or {}
        if run.get("state") in ("success", "failed"):
            return run
        if time.monotonic() > deadline:
            raise StepFailedError(f"{dag_id} run {run_id} still {run.get('state')} after "
                                  f"{call.config.run_timeout_seconds}s")
        call.wait(step, f"{dag_id} {run_id} {run.get('state')}")


def run_dag(call: Call, env_name: str, dag_id: str, purpose: str, step: str, conf: dict[str, Any] | None = None,
            keep_unpaused: bool = False) -> dict[str, Any]:
    """Trigger ``dag_id`` under a fixed run id and wait; the DAG is unpaused for the run and paused again after
    unless ``keep_unpaused``. Raises StepFailedError unless the run succeeds."""
    rest = call.rest(env_name)
    dag = _wait_parsed(call, rest, [dag_id], step).get(dag_id)
    was_paused = bool(dag and dag.get("is_paused"))
    if was_paused:
        rest.set_paused(dag_id, False)
    run_id = call.run_id(purpose)
    _trigger(rest, dag_id, run_id, conf or {})
    run = _wait_run(call, rest, dag_id, run_id, step)
    if was_paused and not keep_unpaused:
        rest.set_paused(dag_id, True)
    if run.get("state") != "success":
        raise StepFailedError(f"{dag_id} run {run_id} in {env_name} ended {run.get('state')}")
    return {"dag_id": dag_id, "run_id": run_id, "state": "success"}


def _dag_or_none(rest: AirflowRest, dag_id: str) -> dict[str, Any] | None:
    try:
        return rest.dag(dag_id)
    except AirflowUnreachableError:
        return None


def _trigger(rest: AirflowRest, dag_id: str, run_id: str, conf: dict[str, Any]) -> None:
    """A run with a fixed id (an existing one is found, not duplicated). On Airflow 3 with a logical date: a run
    without one cannot be downgraded (Airflow's 3.0.0 migration moves such runs out of dag_run on the way
    back to 2.x), and an upgrade's own runs must survive its rollback."""
    try:
        rest.trigger(dag_id, run_id, conf, logical_date=datetime.now(UTC).isoformat())
    except AirflowUnreachableError as exc:
        raise StepFailedError(str(exc)) from None


def _wait_parsed(call: Call, rest: AirflowRest, dag_ids: list[str], step: str) -> dict[str, dict[str, Any]]:
    """Wait until every DAG of ``dag_ids`` is known to the environment (after a change its DAGs are re-parsed)."""
    deadline = time.monotonic() + call.config.parse_timeout_seconds
    while True:
        try:
            found = {d: rest.dag(d) for d in dag_ids}
        except AirflowUnreachableError as exc:
            found, missing = {}, [f"unreachable: {exc}"]
        else:
            missing = [d for d, dag in found.items() if dag is None]
        if not missing:
            return {d: dag for d, dag in found.items() if dag is not None}
        if time.monotonic() > deadline:
            raise StepFailedError(f"{rest.environment}: DAGs not parsed after {call.config.parse_timeout_seconds}s: "
                                  f"{missing[:10]}")
        call.wait(step, f"{len(missing)} DAGs not parsed yet")


# ---------------------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------------------
def preflight(call: Call) -> dict[str, Any]:
    """The environment is AVAILABLE on the version the operation starts from; the path allows the strategy."""
    env = call.environment(call.source)
    current, target = str(env.get("AirflowVersion")), str(call.op["to"])
    if env.get("Status") != "AVAILABLE":
        raise RefusedError(f"{call.source} is {env.get('Status')}: an upgrade starts from AVAILABLE")
    if current != call.op["from"]:
        raise RefusedError(f"{call.source} runs Airflow {current}, not {call.op['from']}")
    row = versions.get(target)
    if not row.offered and not call.op["kind"].startswith("rollback"):
        raise RefusedError(f"Airflow {target} is not offered by MWAA (status {row.status})")
    path = versions.change_path(current, target)
    if call.op["kind"] == "rollback_in_place" and path in ("none", "in_place"):
        return {"from": current, "to": target, "path": path, "strategy": "in_place"}
    if path == "none":
        raise RefusedError(f"{call.source} already runs Airflow {target}")
    if call.op["strategy"] == "in_place" and path != "in_place":
        raise RefusedError(f"{versions.change_refusal(current, target)} Use --strategy blue-green.")
    return {"from": current, "to": target, "path": path, "strategy": call.op["strategy"]}


def inventory(call: Call) -> dict[str, Any]:
    """What is active and how many runs there are, before anything changes (no side effect)."""
    rest = call.rest(call.source)
    active = sorted({d["dag_id"] for d in rest.dags(paused=False)} | set(call.op.get("also_active") or []))
    return {"environment": call.source, "active_before": active,
            "counts_before": counts(rest, call.dr_dags)}


def pause(call: Call) -> dict[str, Any]:
    """Pause every DAG the inventory found active (the backup DAG too: nothing runs during the change)."""
    rest = call.rest(call.source)
    wanted = call.results["inventory"]["active_before"]
    paused = [d for d in wanted if rest.set_paused(d, True)]
    return {"environment": call.source, "paused": paused}


# Task states that end by themselves once the DAG is paused: a worker holds them (running), or the executor has
# them (queued). Deferred, up_for_retry and scheduled tasks wait for a trigger or the scheduler; the snapshot
# carries them and they continue on the other side.
DRAINING_STATES = ("running", "queued", "restarting")


def in_flight(rest: AirflowRest, dag_ids: list[str]) -> list[dict[str, Any]]:
    """The task instances of ``dag_ids`` that a worker or the executor holds right now."""
    found = []
    for dag_id in dag_ids:
        for run in rest.unfinished_runs(dag_id):
            for ti in rest.task_instances(dag_id, str(run.get("dag_run_id"))):
                if ti.get("state") in DRAINING_STATES:
                    found.append({"dag_id": dag_id, "run_id": run.get("dag_run_id"), "task_id": ti.get("task_id"),
                                  "map_index": ti.get("map_index", -1), "state": ti.get("state")})
    return found


def drain(call: Call) -> dict[str, Any]:
    """After the pause: wait until no task of the paused DAGs is running or queued, so that the snapshot (and the
    cut-over) holds finished tasks: a task running at the cut-over would otherwise run again on the other side
    (blue-green), or wait on Airflow's zombie/orphan timeouts (in place). Bounded by ``drain_timeout_seconds``;
    0 does not wait and records what was in flight."""
    rest = call.rest(call.source)
    dags = list(call.results["pause"]["paused"])
    started = time.monotonic()
    deadline = started + call.config.drain_timeout_seconds
    while True:
        busy = in_flight(rest, dags)
        if not busy or call.config.drain_timeout_seconds == 0:
            return {"environment": call.source, "drained": not busy, "in_flight_at_cut_over": busy,
                    "waited_seconds": round(time.monotonic() - started, 1)}
        if time.monotonic() > deadline:
            names = ", ".join(f"{t['dag_id']}/{t['run_id']}/{t['task_id']}({t['state']})" for t in busy[:10])
            raise StepFailedError(
                f"{call.source}: {len(busy)} task(s) still running or queued after "
                f"{call.config.drain_timeout_seconds}s: {names}. `upgrade resume` waits again; "
                "`upgrade rollback` unpauses what was active; or let them finish, or mark them failed in Airflow")
        call.wait("drain", f"{len(busy)} task(s) running or queued: "
                           + ", ".join(f"{t['dag_id']}.{t['task_id']}" for t in busy[:5]))


def snapshot(call: Call) -> dict[str, Any]:
    """Our own restore point: a run of the backup DAG (metadata engine), then the snapshot it wrote."""
    if not call.config.snapshot:
        return {"skipped": True, "reason": "--no-snapshot"}
    env = call.environment(call.source)
    url = (env.get("AirflowConfigurationOptions") or {}).get(BACKUP_URL_OPTION)
    if not url:
        raise StepFailedError(f"{call.source} has no {BACKUP_URL_OPTION} configuration option (the DR backup "
                              "location): configure the DR backup, or pass --no-snapshot to rely on MWAA's own")
    run = run_dag(call, call.source, call.config.backup_dag_id, "snap", "snapshot")
    from mwaa_platform.metadata import catalog, objectstore

    loc = objectstore.Location.parse(url)
    manifest = catalog.latest(objectstore.s3_client(), loc)
    if manifest is None:
        raise StepFailedError(f"the backup run succeeded but {url} has no complete snapshot")
    rows = {t.name: t.data.rows for t in manifest.tables if t.name in ("dag_run", "task_instance", "xcom")}
    # whether a rollback can restore this point in the environment itself (its restore DAG) or must be told how
    restore_dag = _dag_or_none(call.rest(call.source), call.config.restore_dag_id)
    return {**run, "snapshot_id": manifest.snapshot_id, "kind": manifest.kind, "location": url,
            "restore_dag_present": restore_dag is not None,
            "source": {k: v for k, v in manifest.source.items() if k != "database"}, "rows": rows}


def update_version(call: Call) -> dict[str, Any]:
    """UpdateEnvironment with the new version, unless it already runs it or the update is under way."""
    name, target = call.target_env, str(call.op["to"])
    env = call.environment(name)
    if env.get("AirflowVersion") == target and env.get("Status") in ("AVAILABLE", "UPDATING"):
        return {"called": False, "status": env.get("Status"), "airflow_version": target}
    if env.get("Status") == "UPDATING":
        return {"called": False, "status": "UPDATING", "note": "an update is already under way"}
    try:
        call.mwaa.update_environment(Name=name, AirflowVersion=target)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationException":
            point = call.op.get("restore_point")
            where = call.op.get("restore_point_location")
            hint = (f" MWAA cannot downgrade it in place: the restore point {point} ({where})"
                    f" restores into a new environment on Airflow {target} (create it from this one's configuration, "
                    "run its restore DAG with that snapshot, then fence this one)"
                    if call.op["kind"] == "rollback_in_place" and point else "")
            raise RefusedError(f"UpdateEnvironment {name} -> {target} refused: {error.get('Message')}.{hint}") from None
        raise StepFailedError(f"UpdateEnvironment {name}: {error.get('Code')}: {error.get('Message')}") from None
    return {"called": True, "from": env.get("AirflowVersion"), "to": target}


def wait_available(call: Call) -> dict[str, Any]:
    """Poll the environment the change is made in until it is AVAILABLE on the target version."""
    name, target = call.target_env, str(call.op["to"])
    started = time.monotonic()
    while True:
        env = call.environment(name)
        status, version = env.get("Status"), env.get("AirflowVersion")
        if status == "AVAILABLE" and version == target:
            return {"status": status, "airflow_version": version, "waited_seconds": round(time.monotonic() - started)}
        error = (env.get("LastUpdate") or {}).get("Error") or {}
        if status == "UPDATE_FAILED" or (status == "AVAILABLE" and version != target):
            raise StepFailedError(f"{name}: the change to {target} failed and MWAA rolled it back (it runs "
                                  f"{version}): {error.get('ErrorCode')}: {error.get('ErrorMessage')}. Fix the cause "
                                  "and `upgrade resume`, or `upgrade rollback` to unpause its DAGs on " + str(version))
        if status in ENV_FAILED:
            raise StepFailedError(f"{name} is {status}: {error}")
        if time.monotonic() - started > call.config.wait_timeout_seconds:
            raise StepFailedError(f"{name} still {status} after {call.config.wait_timeout_seconds}s")
        call.wait("wait_available", f"{name} {status}")


def verify(call: Call) -> dict[str, Any]:
    """On the environment that now runs the target: the DAGs parse, no import errors, no run or task instance
    lost, and (with --canary-dag) a new run succeeds."""
    name = call.target_env
    rest = call.rest(name)
    wanted = call.results["inventory"]["active_before"]
    _wait_parsed(call, rest, list(wanted), "verify")
    errors = rest.ok("GET", "/importErrors", {"limit": 100}) or {}
    after = counts(rest, call.dr_dags)
    before = call.results["inventory"]["counts_before"]
    lost = {t: (before[t], after.get(t, 0)) for t in before if after.get(t, 0) < before[t]}
    checks: dict[str, Any] = {"import_errors": int(errors.get("total_entries") or 0), "counts_before": before,
                              "counts_after": after, "lost": lost}
    problems = []
    if lost and call.op["kind"] == "rollback_in_place" and versions.parse(str(call.op["to"]))[0] < \
            versions.parse(str(call.op["from"]))[0]:
        # Airflow's own downgrade moves runs without a logical date (created on 3.x) to a side table
        checks["moved_by_downgrade"] = lost
        checks["note"] = ("runs created on Airflow 3 without a logical date cannot exist in Airflow 2: Airflow's "
                          "downgrade moved them to _airflow_moved__3_0_0__offending_dag_run")
        lost = {}
        checks["lost"] = lost
    if checks["import_errors"]:
        files = [e.get("filename") for e in errors.get("import_errors") or []][:10]
        problems.append(f"{checks['import_errors']} import errors ({files})")
    if lost:
        problems.append(f"rows lost (before, after): {lost}")
    if not problems and call.config.canary_dag_id:
        checks["canary"] = run_dag(call, name, call.config.canary_dag_id, "canary", "verify")
    if problems:
        raise StepFailedError(f"{name} failed verification: {'; '.join(problems)}")
    return {"verified": True, **checks}


def unpause(call: Call) -> dict[str, Any]:
    """Unpause, where the environment now runs, exactly the DAGs that were active before."""
    rest = call.rest(call.target_env)
    unpaused: list[str] = []
    missing: list[str] = []
    for dag_id in call.results["inventory"]["active_before"]:
        (unpaused if rest.set_paused(dag_id, False) else missing).append(dag_id)
    active = sorted(d["dag_id"] for d in rest.dags(paused=False))
    return {"environment": call.target_env, "unpaused": unpaused, "missing": missing, "active": active}


def record_version(call: Call) -> dict[str, Any]:
    """The version record the Terraform module's major-version guard reads."""
    from mwaa_platform.versions.record import RecordError, record

    try:
        return {"environment": call.target_env, "recorded": record(call.target_env, call.config.region)}
    except RecordError as exc:
        raise StepFailedError(str(exc)) from None


# -- blue-green ----------------------------------------------------------------------------------------------
def create_environment(call: Call) -> dict[str, Any]:
    """A second environment on the target version from the source's configuration (same network, role,
    bucket and DAGs; the failover's CREATE_KEYS)."""
    name, target = call.target_env, str(call.op["to"])
    existing = get_environment(call.mwaa, name)
    if existing is not None:
        if existing.get("AirflowVersion") != target or existing.get("Status") in ENV_FAILED | {"CREATE_FAILED"}:
            raise StepFailedError(f"{name} exists ({existing.get('Status')}, Airflow {existing.get('AirflowVersion')})"
                                  ": delete it or choose --target-env, then resume")
        return {"created": False, "existing": True, "status": existing.get("Status")}
    source = call.environment(call.source)
    overrides: dict[str, Any] = {"AirflowVersion": target, "SourceBucketArn": source["SourceBucketArn"],
                                 "ExecutionRoleArn": source["ExecutionRoleArn"],
                                 "NetworkConfiguration": {k: v for k, v in source["NetworkConfiguration"].items()
                                                          if k in ("SubnetIds", "SecurityGroupIds")}}
    if source.get("KmsKey"):
        overrides["KmsKey"] = source["KmsKey"]
    if call.op.get("tags"):
        overrides["Tags"] = call.op["tags"]
    if call.op.get("config_overrides"):
        overrides["AirflowConfigurationOptions"] = call.op["config_overrides"]
    params = create_params(source, overrides, name)
    # same bucket as the old environment: its pinned object versions stay valid (a failover's replica drops them),
    # and keeping them is what makes the adopted environment plan clean against the module's configuration
    params.update({k: source[k] for k in OBJECT_VERSION_KEYS if source.get(k)})
    from mwaa_platform.upgrade.log_groups import copy_groups

    try:  # the old environment's log groups (key, retention, tags) for the new one, before MWAA makes bare ones
        groups = copy_groups(aws.client("logs", call.config.region), source, name)
    except (ClientError, BotoCoreError) as exc:
        raise StepFailedError(f"creating the log groups of {name}: {exc}") from None
    try:
        arn = call.mwaa.create_environment(**params)["Arn"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise StepFailedError(f"CreateEnvironment {name}: {error.get('Code')}: {error.get('Message')}") from None
    return {"created": True, "arn": arn, "airflow_version": target, "log_groups": groups}


def restore(call: Call) -> dict[str, Any]:
    """The snapshot (its full base and deltas) restored into the new environment through its restore DAG,
    across versions (the metadata engine migrates it)."""
    snap = call.results.get("snapshot") or {}
    if not snap.get("snapshot_id"):
        raise StepFailedError("blue-green needs the snapshot step (it cannot run with --no-snapshot)")
    conf = {"snapshot": snap["snapshot_id"], "backup_url": snap["location"], "strategy": "replace"}
    run = run_dag(call, call.target_env, call.config.restore_dag_id, "rest", "restore", conf)
    return {**run, "snapshot_id": snap["snapshot_id"]}


def fence_new(call: Call) -> dict[str, Any]:
    """Blue-green rollback: pause every active DAG of the new environment."""
    try:
        rest = call.rest(call.target_env)
        active = sorted(d["dag_id"] for d in rest.dags(paused=False))
    except (StepFailedError, AirflowUnreachableError, ClientError, BotoCoreError) as exc:
        return {"environment": call.target_env, "result": "unreachable", "detail": str(exc)[:500]}
    return {"environment": call.target_env, "paused": [d for d in active if rest.set_paused(d, True)]}
