"""Fixtures for the local MWAA tests: clients, infrastructure and status events around the session's one
local MWAA service (``local_mwaa``, defined in tests/conftest.py so tests/upgrade shares the same service)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from mwaa_local_helpers import Infra, make_infra

from mwaa_local.emulator import Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa


@pytest.fixture(scope="module")
def mwaa_vars(emulator: Emulator, local_mwaa: LocalMwaa) -> Iterator[dict[str, str]]:
    """This module's process talks to the emulator and, through the proxy, to the local MWAA."""
    env = {**emulator.env("us-east-1"), **mwaa_env(local_mwaa.port)}
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            patch.delenv(key)
        for key, value in env.items():
            patch.setenv(key, value)
        yield env


@pytest.fixture(scope="module")
def mwaa(mwaa_vars: dict[str, str]) -> Any:
    # the first token call of an Airflow 2 environment starts its webserver (lazy): allow it to take a while
    return boto3.client("mwaa", config=Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=300))


@pytest.fixture(scope="module")
def raw_mwaa(mwaa_vars: dict[str, str]) -> Any:
    """An MWAA client that skips boto3's own parameter validation, so the server's validation answers."""
    return boto3.client("mwaa", config=Config(parameter_validation=False, retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def infra(mwaa_vars: dict[str, str]) -> Infra:
    return make_infra(f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture
def status_events(mwaa_vars: dict[str, str]) -> Iterator[Callable[[float], list[dict[str, Any]]]]:
    """An SQS queue behind an EventBridge rule on MWAA's status event; returns a reader of the events."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    suffix = uuid.uuid4().hex[:8]
    queue = sqs.create_queue(QueueName=f"mwaa-events-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"mwaa-status-{suffix}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["aws.airflow"],
                                                        "detail-type": ["MWAA Environment Status Change"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": arn}])
    seen: list[dict[str, Any]] = []

    def read(wait: float = 1.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + wait
        while True:
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            for message in got:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            if not got and time.monotonic() >= deadline:
                return list(seen)
            if not got:
                time.sleep(0.2)

    try:
        yield read
    finally:
        events.remove_targets(Rule=rule, Ids=["queue"])
        events.delete_rule(Name=rule)
        sqs.delete_queue(QueueUrl=queue)


@pytest.fixture(scope="session")
def terraform_cli_config(session_state: Path) -> str:
    """The project's Terraform CLI config (provider mirror + plugin cache), generated if missing."""
    repo = Path(__file__).resolve().parents[2]
    config = repo / ".state" / "terraform.rc"
    if not config.exists():
        import subprocess

        config = session_state / "terraform.rc"
        subprocess.run(["bash", str(repo / "scripts" / "terraform-cli-config.sh"), str(config)], check=True,
                       capture_output=True, timeout=60)
    return str(config)


@pytest.fixture(scope="module")
def dag_bucket(infra: Infra) -> str:
    """The version tests' DAG (test_versions.DAG: an XCom per run) under vdags/ of the environments' bucket."""
    from test_versions import DAG

    boto3.client("s3").put_object(Bucket=infra.bucket, Key="vdags/vdag.py", Body=DAG.encode())
    return "vdags"
