"""Is the primary environment healthy? Evidence from several signals over several periods.

Signals:
- **SchedulerHeartbeat** (namespace AmazonMWAA, dimensions Environment + Function=Scheduler) over the last M
  *complete* periods via GetMetricData: a period is ``ok`` (>= min_heartbeats), ``missing`` (fewer or no
  datapoint) or ``unknown`` (the API failed or answered partial data).
- **GetEnvironment** status of the primary: AVAILABLE, a failed status, a transitional one (an update or
  maintenance, when a scheduler gap is expected) or unknown (API error).
- optional **canary**: a successful run of a canary DAG within canary_max_age_seconds.

Decision: ``unhealthy`` only when at least N of the M periods are missing, the environment is not in a
transitional status and the canary (if configured) did not just succeed. An API error never counts as
unhealthy: it makes its periods or signal ``unknown``, and unknown evidence can only delay a failover.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.failover.airflow import AirflowRest, AirflowUnreachableError, major_version
from mwaa_platform.failover.config import HealthPolicy

NAMESPACE = "AmazonMWAA"
METRIC = "SchedulerHeartbeat"
TRANSITIONAL = {"CREATING", "UPDATING", "DELETING", "ROLLING_BACK", "MAINTENANCE", "PENDING", "CREATING_SNAPSHOT"}
FAILED = {"UNAVAILABLE", "CREATE_FAILED", "UPDATE_FAILED", "DELETED"}


@dataclass(frozen=True)
class Period:
    start: str
    end: str
    heartbeats: float | None
    verdict: str  # ok | missing | unknown


@dataclass
class HealthReport:
    decision: str                      # healthy | unhealthy | unknown
    heartbeat: str                     # healthy | unhealthy | unknown
    environment: str                   # available | failed | transitional | missing | unknown
    environment_status: str | None
    canary: str                        # healthy | unhealthy | unknown | disabled
    periods: list[Period] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    evaluated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        counts = {v: sum(1 for p in self.periods if p.verdict == v) for v in ("ok", "missing", "unknown")}
        return (f"{self.decision}: heartbeat {self.heartbeat} (periods ok={counts['ok']} missing="
                f"{counts['missing']} unknown={counts['unknown']}), environment {self.environment}"
                f"({self.environment_status or '-'}), canary {self.canary}")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def window(policy: HealthPolicy, now: datetime) -> tuple[datetime, datetime]:
    """The last M complete periods: aligned to the period, ending at least grace_seconds before now."""
    step = policy.period_seconds
    end_epoch = math.floor((now.timestamp() - policy.grace_seconds) / step) * step
    end = datetime.fromtimestamp(end_epoch, UTC)
    return end - timedelta(seconds=step * policy.periods), end


def heartbeat_periods(cloudwatch: Any, environment: str, policy: HealthPolicy, now: datetime) -> list[Period]:
    start, end = window(policy, now)
    step = policy.period_seconds
    bounds = [(start + timedelta(seconds=step * i), start + timedelta(seconds=step * (i + 1)))
              for i in range(policy.periods)]
    query = {
        "Id": "heartbeat",
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": METRIC,
                       "Dimensions": [{"Name": "Environment", "Value": environment},
                                      {"Name": "Function", "Value": "Scheduler"}]},
            "Period": step, "Stat": "Sum"},
        "ReturnData": True,
    }
    sums: dict[int, float] = {}
    complete = True
    try:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"MetricDataQueries": [query], "StartTime": start, "EndTime": end,
                                      "ScanBy": "TimestampAscending"}
            if token:
                params["NextToken"] = token
            answer = cloudwatch.get_metric_data(**params)
            for result in answer.get("MetricDataResults", []):
                if result.get("StatusCode", "Complete") != "Complete":
                    complete = False
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    index = int((stamp.timestamp() - start.timestamp()) // step)
                    if 0 <= index < policy.periods:
                        sums[index] = sums.get(index, 0.0) + float(value)
            token = answer.get("NextToken")
            if not token:
                break
    except (ClientError, BotoCoreError):
        return [Period(_iso(a), _iso(b), None, "unknown") for a, b in bounds]
    periods = []
    for index, (a, b) in enumerate(bounds):
        value = sums.get(index)
        if value is not None and value >= policy.min_heartbeats:
            verdict = "ok"
        elif value is None and not complete:
            verdict = "unknown"
        else:
            verdict = "missing"
        periods.append(Period(_iso(a), _iso(b), value, verdict))
    return periods


def environment_signal(mwaa: Any, environment: str) -> tuple[str, str | None, dict[str, Any] | None]:
    """(signal, status, the GetEnvironment body) for the primary environment."""
    try:
        env = mwaa.get_environment(Name=environment)["Environment"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return "missing", None, None
        return "unknown", None, None
    except BotoCoreError:
        return "unknown", None, None
    status = env.get("Status")
    if status == "AVAILABLE":
        return "available", status, env
    if status in TRANSITIONAL:
        return "transitional", status, env
    if status in FAILED:
        return "failed", status, env
    return "unknown", status, env


def canary_signal(rest: AirflowRest | None, policy: HealthPolicy, now: datetime) -> str:
    if not policy.canary_dag_id:
        return "disabled"
    if rest is None:
        return "unknown"
    since = _iso(now - timedelta(seconds=policy.canary_max_age_seconds))
    try:
        return "healthy" if rest.successful_runs_since(policy.canary_dag_id, since) > 0 else "unhealthy"
    except AirflowUnreachableError:
        return "unknown"


def decide(periods: list[Period], environment: str, canary: str, policy: HealthPolicy) -> tuple[str, str, list[str]]:
    """(decision, heartbeat verdict, reasons) from the evidence; pure, so the rule is unit-testable."""
    missing = sum(1 for p in periods if p.verdict == "missing")
    unknown = sum(1 for p in periods if p.verdict == "unknown")
    n, m = policy.unhealthy_periods, policy.periods
    reasons = []
    if missing >= n:
        heartbeat = "unhealthy"
        reasons.append(f"{missing} of the last {m} periods had no scheduler heartbeat (threshold {n})")
    elif missing + unknown >= n:
        heartbeat = "unknown"
        reasons.append(f"{unknown} of the last {m} periods could not be read (API error or partial data); "
                       f"{missing} missing: not enough evidence either way")
    else:
        heartbeat = "healthy"
        reasons.append(f"{missing} of the last {m} periods missing (< {n})")
    if environment == "transitional":
        reasons.append("the environment is in a transitional status (update/maintenance): a scheduler gap is "
                       "expected, no failover")
        return "unknown", heartbeat, reasons
    if canary == "healthy":
        reasons.append("the canary DAG succeeded recently: the primary runs tasks")
        return "healthy", heartbeat, reasons
    if heartbeat == "unhealthy":
        reasons.append(f"environment signal: {environment}; canary: {canary}")
        return "unhealthy", heartbeat, reasons
    return heartbeat, heartbeat, reasons


def evaluate(cloudwatch: Any, mwaa: Any, environment: str, policy: HealthPolicy,
             now: datetime | None = None) -> HealthReport:
    """All signals for ``environment`` (clients in the primary region) and the decision."""
    now = now or datetime.now(UTC)
    periods = heartbeat_periods(cloudwatch, environment, policy, now)
    env_signal, status, body = environment_signal(mwaa, environment)
    rest = None
    if policy.canary_dag_id and body is not None:
        rest = AirflowRest(mwaa, environment, major_version(body.get("AirflowVersion")))
    canary = canary_signal(rest, policy, now)
    decision, heartbeat, reasons = decide(periods, env_signal, canary, policy)
    return HealthReport(decision, heartbeat, env_signal, status, canary, periods, reasons, _iso(now))
