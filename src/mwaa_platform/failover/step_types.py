"""What every failover / failback step works with: the :class:`Plan` (which way the operation goes), the
:class:`Call` a step receives (context, plan, input, earlier results, the operation document), the :class:`Step`
record of a workflow, and the lookups the steps share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from mwaa_platform.failover.airflow import AirflowRest, AirflowUnreachableError, major_version
from mwaa_platform.failover.context import Context, Side
from mwaa_platform.failover.errors import RefusedError


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
