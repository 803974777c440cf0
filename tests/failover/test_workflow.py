"""Fault injection against the deployed workflow: the real handlers as emulator Lambdas, the state machine from
statemachine.build() executed by the emulator's Step Functions, DynamoDB / S3 / SNS / CloudWatch in the
emulator, MWAA and the Airflow REST API by the fake (fake_mwaa.py). Each test ends in a pass/fail count."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dr_helpers import PRIMARY, SECONDARY, Deployment, FailingEndpoint, Platform, client
from fake_mwaa import FakeMwaa

from mwaa_platform.failover.runner import Runner


@pytest.fixture
def failing() -> Iterator[FailingEndpoint]:
    endpoint = FailingEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.stop()


@pytest.fixture
def clean_fake(fake_mwaa: FakeMwaa) -> Iterator[FakeMwaa]:
    yield fake_mwaa
    fake_mwaa.create_error = None
    fake_mwaa.create_delay = 0.5


def _stored_config(p: Platform) -> None:
    """The healthy branch's store_config, run as the Lambda runs it (same runner, same step)."""
    assert Runner(p.context("scheduled-healthy-run")).run("store_config").result["stored"] is True


def test_cloudwatch_errors_for_several_periods_never_fail_over(platform: Callable[..., Platform],
                                                               deploy: Callable[..., Deployment],
                                                               failing: FailingEndpoint) -> None:
    p = platform()  # no heartbeats at all: only the API errors stand between this and a failover
    d = deploy(p, {"AWS_ENDPOINT_URL_CLOUDWATCH": failing.url})
    ends = []
    for _ in range(3):  # three scheduled evaluations in a row, each over M periods it cannot read
        execution = d.start({})
        assert d.wait(execution)["status"] == "SUCCEEDED"
        ends.append(d.end_state(execution))
    assert ends == ["NoAction"] * 3
    assert failing.requests >= 3
    assert p.operations() == 0 and p.state().get("operation") is None
    assert p.fake.get(PRIMARY, p.config.primary_environment).pause_calls == []


def test_one_missed_period_does_not_fail_over(platform: Callable[..., Platform],
                                              deploy: Callable[..., Deployment]) -> None:
    p = platform()
    p.heartbeats(skip_periods_ago={2})
    d = deploy(p)
    execution = d.start({})
    output = d.wait(execution)
    assert output["status"] == "SUCCEEDED" and d.end_state(execution) == "Healthy"
    assert p.operations() == 0
    stored = client("s3", SECONDARY).get_object(Bucket=p.config.config_bucket, Key=p.config.stored_config_key)
    assert b'"source_region": "us-east-1"' in stored["Body"].read()


def test_sustained_loss_fails_over_exactly_once(platform: Callable[..., Platform],
                                                deploy: Callable[..., Deployment], clean_fake: FakeMwaa) -> None:
    p = platform(dr_mode="backup_restore")
    _stored_config(p)
    d = deploy(p)
    first = d.start({})
    assert d.wait(first)["status"] == "SUCCEEDED" and d.end_state(first) == "FailoverComplete"
    later = [d.start({}) for _ in range(2)]  # the schedule keeps firing while the primary stays dead
    assert [d.end_state(x) for x in later if d.wait(x)["status"] == "SUCCEEDED"] == ["NoAction", "NoAction"]
    assert p.operations() == 1
    assert clean_fake.count("CreateEnvironment", SECONDARY) >= 1
    created = clean_fake.get(SECONDARY, p.config.secondary_environment)
    assert created is not None and created.status == "AVAILABLE"
    overrides = p.config.secondary_overrides
    assert created.params["ExecutionRoleArn"] == overrides["ExecutionRoleArn"]
    assert created.params["NetworkConfiguration"] == overrides["NetworkConfiguration"]
    options = created.params["AirflowConfigurationOptions"]
    assert options["core.default_timezone"] == "utc"  # from the stored primary configuration
    assert options["mwaa_platform.dr_backup_url"] == overrides["AirflowConfigurationOptions"][
        "mwaa_platform.dr_backup_url"]
    doc = p.state()
    assert doc["active_region"] == SECONDARY and doc["operation"]["status"] == "completed"
    assert all(r["attempts"] == 1 for r in doc["operation"]["steps"].values())  # polls are not attempts
    restores = [run for dag, run in created.triggered if dag == "dr_restore"]
    assert len(restores) == 1 and restores[0].endswith("-r1")


def test_two_concurrent_executions_fail_over_once(platform: Callable[..., Platform],
                                                  deploy: Callable[..., Deployment]) -> None:
    p = platform()
    d = deploy(p)
    executions = [d.start({}), d.start({})]
    outcomes = [d.wait(x)["status"] for x in executions]
    ends = sorted(str(d.end_state(x)) for x in executions)
    assert outcomes == ["SUCCEEDED", "SUCCEEDED"]
    assert ends.count("FailoverComplete") == 1
    assert ends[0] in ("NotAcquired", "NoAction") or ends[1] in ("NotAcquired", "NoAction")
    assert p.operations() == 1
    secondary = p.fake.get(SECONDARY, p.config.secondary_environment)
    assert len([t for t in secondary.triggered if t[0] == "dr_restore"]) == 1
    primary = p.fake.get(PRIMARY, p.config.primary_environment)
    assert len(primary.pause_calls) == len({d for d, _ in primary.pause_calls})  # each DAG paused once


def test_create_environment_failure_is_recorded_alerted_and_resumable(
        platform: Callable[..., Platform], deploy: Callable[..., Deployment], clean_fake: FakeMwaa) -> None:
    p = platform(dr_mode="backup_restore")
    _stored_config(p)
    d = deploy(p)
    clean_fake.create_error = "ValidationException: The subnets subnet-w1, subnet-w2 are not in one VPC"
    failed = d.start({})
    assert d.wait(failed)["status"] == "FAILED"
    op = p.state()["operation"]
    assert op["status"] == "failed" and op["failed_step"] == "create_environment"
    assert "not in one VPC" in op["steps"]["create_environment"]["error"]
    assert op["steps"]["fence_primary"]["status"] == "done"
    alerts = [n for n in p.notifications(wait=1.0) if "FAILED" in (n["subject"] or "")]
    assert len(alerts) == 1 and alerts[0]["message"]["failed_step"] == "create_environment"
    # the next scheduled run neither fails over again nor alerts again: it waits for an operator
    quiet = d.start({})
    assert d.wait(quiet)["status"] == "SUCCEEDED" and d.end_state(quiet) == "NotAcquired"
    # fixed; the re-run continues after the last completed step
    clean_fake.create_error = None
    pauses_before = list(clean_fake.get(PRIMARY, p.config.primary_environment).pause_calls)
    resumed = d.start({"resume": True})
    assert d.wait(resumed)["status"] == "SUCCEEDED" and d.end_state(resumed) == "FailoverComplete"
    steps = p.state()["operation"]["steps"]
    assert steps["fence_primary"]["attempts"] == 1  # not fenced twice
    assert steps["create_environment"]["attempts"] == 2
    assert clean_fake.get(PRIMARY, p.config.primary_environment).pause_calls == pauses_before
    assert p.operations() == 1 and p.state()["active_region"] == SECONDARY


def test_restore_callback_failure_fails_fast(platform: Callable[..., Platform],
                                             deploy: Callable[..., Deployment]) -> None:
    p = platform()
    secondary = p.fake.get(SECONDARY, p.config.secondary_environment)
    secondary.restore_outcome = "fail"
    d = deploy(p)
    started = time.monotonic()
    execution = d.start({})
    desc: dict[str, Any] = d.wait(execution)
    took = time.monotonic() - started
    assert desc["status"] == "FAILED" and desc["error"] == "FailoverFailed"
    assert took < p.config.restore_timeout_seconds / 5, f"took {took:.0f}s: the callback failure was not fast"
    op = p.state()["operation"]
    assert op["failed_step"] == "start_restore"
    assert "MetadataRestoreFailed" in op["steps"]["start_restore"]["error"]
    assert "the snapshot manifest does not verify" in op["steps"]["start_restore"]["error"]  # the DAG's cause
    assert op["lease_expires"] == 0  # released, so a resume can take over
    assert any("FAILED at start_restore" in (n["subject"] or "") for n in p.notifications(wait=1.0))
    assert p.state()["active_region"] == PRIMARY
