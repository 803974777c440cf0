"""Fencing: pause every active DAG of the environment the operation leaves, and the recorded outcome the later
steps read."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.failover.airflow import AirflowUnreachableError
from mwaa_platform.failover.errors import FencingFailedError
from mwaa_platform.failover.step_types import Call


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


def _fence_result(call: Call) -> dict[str, Any]:
    name = "fence_primary" if call.plan.kind == "failover" else "fence_secondary"
    found: dict[str, Any] = call.results.get(name) or {}
    return found
