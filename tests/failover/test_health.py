"""Health evaluation: the decision rule, and the signals read from the emulator's CloudWatch and the MWAA API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config
from dr_helpers import PRIMARY, FailingEndpoint, Platform, client

from mwaa_platform.failover import health
from mwaa_platform.failover.config import HealthPolicy

POLICY = HealthPolicy(period_seconds=60, periods=5, unhealthy_periods=3)


def _periods(*verdicts: str) -> list[health.Period]:
    return [health.Period(f"t{i}", f"t{i + 1}", 1.0 if v == "ok" else None, v) for i, v in enumerate(verdicts)]


@pytest.mark.parametrize(
    ("verdicts", "environment", "canary", "decision"),
    [
        (("ok",) * 5, "available", "disabled", "healthy"),
        (("ok", "ok", "missing", "ok", "ok"), "available", "disabled", "healthy"),          # one missed period
        (("ok", "missing", "ok", "missing", "ok"), "available", "disabled", "healthy"),     # 2 < N
        (("ok", "ok", "missing", "missing", "missing"), "available", "disabled", "unhealthy"),
        (("missing",) * 5, "unknown", "disabled", "unhealthy"),                            # region down: API error too
        (("unknown",) * 5, "unknown", "disabled", "unknown"),                              # CloudWatch errors only
        (("unknown", "unknown", "missing", "missing", "ok"), "available", "disabled", "unknown"),
        (("missing",) * 5, "transitional", "disabled", "unknown"),                         # maintenance window
        (("missing",) * 5, "available", "healthy", "healthy"),                             # canary ran recently
        (("missing",) * 5, "failed", "unhealthy", "unhealthy"),
    ],
)
def test_decision_rule(verdicts: tuple[str, ...], environment: str, canary: str, decision: str) -> None:
    got, _heartbeat, reasons = health.decide(_periods(*verdicts), environment, canary, POLICY)
    assert got == decision, reasons
    assert reasons


def test_window_is_aligned_and_complete() -> None:
    policy = HealthPolicy(period_seconds=60, periods=3, unhealthy_periods=2, grace_seconds=30)
    start, end = health.window(policy, datetime(2026, 1, 1, 12, 10, 20, tzinfo=UTC))
    assert end == datetime(2026, 1, 1, 12, 9, 0, tzinfo=UTC)  # 12:09:50 floored; the 12:09-12:10 period is open
    assert start == datetime(2026, 1, 1, 12, 6, 0, tzinfo=UTC)


def test_heartbeats_from_the_emulator(platform: Callable[..., Platform]) -> None:
    p = platform()
    cw, mwaa = client("cloudwatch", PRIMARY), client("mwaa", PRIMARY)
    env = p.config.primary_environment
    # nothing published yet: every period is missing -> unhealthy
    report = health.evaluate(cw, mwaa, env, p.config.health)
    assert [x.verdict for x in report.periods] == ["missing"] * 4
    assert report.decision == "unhealthy"
    assert report.environment == "available"
    # heartbeats everywhere but one period -> healthy
    p.heartbeats(skip_periods_ago={2})
    report = health.evaluate(cw, mwaa, env, p.config.health)
    assert [x.verdict for x in report.periods].count("missing") == 1
    assert report.decision == "healthy", report.reasons
    # another environment's heartbeats do not count for this one
    other = health.evaluate(cw, mwaa, p.config.secondary_environment, p.config.health)
    assert other.heartbeat == "unhealthy"


def test_environment_status_signal(platform: Callable[..., Platform]) -> None:
    p = platform()
    mwaa = client("mwaa", PRIMARY)
    fake_env = p.fake.get(PRIMARY, p.config.primary_environment)
    assert fake_env is not None
    assert health.environment_signal(mwaa, p.config.primary_environment)[0] == "available"
    fake_env.status = "UPDATING"
    assert health.environment_signal(mwaa, p.config.primary_environment)[:2] == ("transitional", "UPDATING")
    report = health.evaluate(client("cloudwatch", PRIMARY), mwaa, p.config.primary_environment, p.config.health)
    assert report.heartbeat == "unhealthy" and report.decision == "unknown"  # an update is no outage
    fake_env.status = "UNAVAILABLE"
    assert health.environment_signal(mwaa, p.config.primary_environment)[0] == "failed"
    assert health.environment_signal(mwaa, "no-such-environment")[0] == "missing"


@pytest.fixture
def failing() -> Iterator[FailingEndpoint]:
    endpoint = FailingEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.stop()


def test_cloudwatch_api_errors_are_unknown_never_unhealthy(platform: Callable[..., Platform],
                                                           failing: FailingEndpoint) -> None:
    p = platform()
    broken = boto3.session.Session(region_name=PRIMARY).client(
        "cloudwatch", endpoint_url=failing.url, config=Config(retries={"mode": "standard", "max_attempts": 2}))
    report = health.evaluate(broken, client("mwaa", PRIMARY), p.config.primary_environment, p.config.health)
    assert failing.requests >= 1  # the SDK really called (and retried) the failing API
    assert [x.verdict for x in report.periods] == ["unknown"] * 4
    assert report.heartbeat == "unknown" and report.decision == "unknown"
    # and with MWAA unreachable as well (the whole region's APIs failing): still unknown
    dead_mwaa = boto3.session.Session(region_name=PRIMARY).client(
        "mwaa", endpoint_url=failing.url, config=Config(retries={"max_attempts": 1}, inject_host_prefix=False))
    report = health.evaluate(broken, dead_mwaa, p.config.primary_environment, p.config.health)
    assert report.environment == "unknown" and report.decision == "unknown"
