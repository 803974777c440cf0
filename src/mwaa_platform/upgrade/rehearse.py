"""``upgrade rehearse``: the upgrade tried on a throwaway copy, on the local MWAA, before the real one.

A throwaway environment of the target version is created from the source's configuration (same DAGs,
requirements, plugins, options); the source's latest snapshot (or a given one) is restored into it across
versions by its restore DAG (the metadata engine runs Airflow's migrations: that run's duration is the
migration time); its DAGs must parse and one named DAG must run to success. The throwaway environment is
deleted at the end, also when a step fails or the process is interrupted (Ctrl-C).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from mwaa_platform import aws, versions
from mwaa_platform.failover.airflow import AirflowRest
from mwaa_platform.failover.steps import get_environment
from mwaa_platform.upgrade import steps as s
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.state import RefusedError, StepFailedError

LOCAL_RUNTIME_TAG = {"mwaa-local:runtime": "airflow"}


def on_local_mwaa() -> bool:
    """A throwaway environment is only ever created on the local MWAA (MWAA API routed to it by `make up`)."""
    return bool(os.environ.get("AWS_ENDPOINT_URL_MWAA")) and ".invalid" in os.environ["AWS_ENDPOINT_URL_MWAA"]


def rehearse(config: UpgradeConfig, dag_id: str, snapshot_id: str = "latest",
             progress: s.Progress = lambda event: None, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    if not on_local_mwaa():
        raise RefusedError("rehearse creates a throwaway environment on the local MWAA only: run it with the "
                           "embedded default's variables (`make up`; AWS_ENDPOINT_URL_MWAA=http://mwaa.emulator.invalid)")
    if config.target is None:
        raise RefusedError("rehearse needs --to")
    mwaa = aws.client("mwaa", config.region, read_timeout=120)
    source = get_environment(mwaa, config.environment)
    if source is None:
        raise RefusedError(f"environment {config.environment} does not exist")
    url = (source.get("AirflowConfigurationOptions") or {}).get(s.BACKUP_URL_OPTION)
    if not url:
        raise RefusedError(f"{config.environment} has no {s.BACKUP_URL_OPTION}: nothing to restore from")
    if versions.parse(config.target) < versions.parse(str(source["AirflowVersion"])):
        raise RefusedError(f"a snapshot of Airflow {source['AirflowVersion']} cannot be restored into {config.target}")
    throwaway = f"{config.environment}-rehearse-{uuid.uuid4().hex[:6]}"[:80]
    op = {"id": f"rehearse-{throwaway}", "kind": "rehearse", "strategy": "blue_green",
          "from": source["AirflowVersion"], "to": config.target, "source_environment": config.environment,
          "target_environment": throwaway}
    call = s.Call(config, op, {}, progress, sleep)
    timings: dict[str, float] = {}
    report: dict[str, Any] = {"environment": config.environment, "from": source["AirflowVersion"],
                              "to": config.target, "throwaway": throwaway, "dag_id": dag_id, "seconds": timings}

    def timed(name: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        progress({"event": "step_started", "step": name})
        started = time.monotonic()
        try:
            result = work()
        except BaseException as exc:
            timings[name] = round(time.monotonic() - started, 1)
            progress({"event": "step_finished", "step": name, "status": "failed", "seconds": timings[name],
                      "error": str(exc)[:300]})
            raise
        timings[name] = round(time.monotonic() - started, 1)
        progress({"event": "step_finished", "step": name, "status": "done", "seconds": timings[name]})
        report[name] = result
        return result

    try:
        timed("create_environment", lambda: _create(call, source))
        timed("wait_available", lambda: s.wait_available(call))
        conf = {"snapshot": snapshot_id, "backup_url": url, "strategy": "replace"}
        timed("restore", lambda: s.run_dag(call, throwaway, config.restore_dag_id, "rest", "restore", conf))
        report["migration_seconds"] = timings["restore"]
        timed("fence", lambda: _pause_all(call, throwaway))
        timed("parse", lambda: _parsed(call, throwaway))
        timed("run_dag", lambda: s.run_dag(call, throwaway, dag_id, "dag", "run_dag"))
        report["ok"] = True
    except (RefusedError, StepFailedError) as exc:
        report.update(ok=False, error=str(exc))
    finally:
        timed("teardown", lambda: _delete(call, mwaa, throwaway))
    return report


def _create(call: s.Call, source: dict[str, Any]) -> dict[str, Any]:
    # real Airflow whatever the local MWAA's default, unless the source itself is tagged otherwise
    call.op["tags"] = {**LOCAL_RUNTIME_TAG, **(source.get("Tags") or {})}
    # the restore unpauses what was active in the source, the backup DAG too: never into the source's location
    url = str(source["AirflowConfigurationOptions"][s.BACKUP_URL_OPTION]).rstrip("/")
    call.op["config_overrides"] = {s.BACKUP_URL_OPTION: f"{url}-rehearsal/{call.target_env}"}
    return s.create_environment(call)


def _pause_all(call: s.Call, name: str) -> dict[str, Any]:
    """The restore unpaused what was active in the source: the throwaway runs nothing but the named DAG."""
    rest = call.rest(name)
    return {"paused": [d["dag_id"] for d in rest.dags(paused=False) if rest.set_paused(d["dag_id"], True)]}


def _parsed(call: s.Call, name: str) -> dict[str, Any]:
    rest: AirflowRest = call.rest(name)
    errors = rest.ok("GET", "/importErrors", {"limit": 100}) or {}
    dags = sorted(d["dag_id"] for d in rest.dags())
    if errors.get("total_entries"):
        files = [e.get("filename") for e in errors.get("import_errors") or []]
        raise StepFailedError(f"{name}: {errors['total_entries']} import errors on Airflow {call.op['to']}: {files}")
    return {"dags": dags, "import_errors": 0}


def _delete(call: s.Call, mwaa: Any, name: str) -> dict[str, Any]:
    env = get_environment(mwaa, name)
    if env is None:
        return {"deleted": False, "reason": "never created"}
    deadline = time.monotonic() + call.config.wait_timeout_seconds
    while env is not None and env.get("Status") in ("CREATING", "UPDATING", "PENDING"):
        if time.monotonic() > deadline:
            return {"deleted": False, "reason": f"still {env.get('Status')}"}
        time.sleep(call.config.poll_seconds)
        env = get_environment(mwaa, name)
    if env is not None and env.get("Status") != "DELETING":
        mwaa.delete_environment(Name=name)
    while get_environment(mwaa, name) is not None:
        if time.monotonic() > deadline:
            return {"deleted": False, "reason": "still DELETING"}
        time.sleep(call.config.poll_seconds)
    return {"deleted": True}
