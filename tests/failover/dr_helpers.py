"""Helpers for the failover tests: a per-test platform env in the emulator, heartbeats, notifications, and a
deployment of the real Lambdas + state machine (from statemachine.build) into the emulator."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from fake_mwaa import FakeMwaa

from mwaa_platform.failover import statemachine
from mwaa_platform.failover.config import FailoverConfig
from mwaa_platform.failover.context import Context
from mwaa_platform.packaging import build

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
TABLE = "mwaa-platform-failover-tests"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
    "Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}}]}
WORKLOAD_DAGS = {"data_pipeline": False, "reporting": False, "dr_backup": False, "dr_restore": False,
                 "retired": True}


def client(service: str, region: str, attempts: int = 2) -> Any:
    """A fresh boto3 client from the (monkeypatched) environment: the emulator, and MWAA via the fake."""
    return boto3.session.Session(region_name=region).client(
        service, config=Config(retries={"mode": "standard", "max_attempts": attempts}, connect_timeout=5,
                               read_timeout=30))


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, every: float = 0.3, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(every)


def _ensure_table() -> None:
    ddb = client("dynamodb", SECONDARY)
    with contextlib.suppress(ddb.exceptions.ResourceInUseException):
        ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "env", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "env", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")


@dataclass
class Platform:
    """One platform env's failover resources in the emulator plus its fake MWAA environments."""

    config: FailoverConfig
    fake: FakeMwaa
    queue_url: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def context(self, execution_id: str = "test-execution", **kwargs: Any) -> Context:
        return Context(self.config, execution_id=execution_id, clients=client, **kwargs)

    def notifications(self, wait: float = 0.5) -> list[dict[str, Any]]:
        """Every SNS message published so far (subject + parsed message)."""
        sqs = client("sqs", SECONDARY)
        deadline = time.monotonic() + wait
        while True:
            got = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                      WaitTimeSeconds=0).get("Messages", [])
            for message in got:
                body = json.loads(message["Body"])
                self.seen.append({"subject": body.get("Subject"), "message": json.loads(body["Message"])})
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            if not got and time.monotonic() >= deadline:
                return list(self.seen)
            if not got:
                time.sleep(0.2)

    def state(self) -> dict[str, Any]:
        return self.context().store().read().doc

    def heartbeats(self, skip_periods_ago: set[int] | None = None, span: int = 12, value: float = 4.0) -> None:
        """SchedulerHeartbeat datapoints for the primary: one per period from ``span`` periods ago to two
        periods ahead, except the periods listed (0 = the period in progress, 1 = the one before, ...)."""
        period = self.config.health.period_seconds
        now = datetime.now(UTC)
        current = int(now.timestamp() // period) * period
        data = []
        for ago in range(-2, span):
            if ago in (skip_periods_ago or set()):
                continue
            stamp = datetime.fromtimestamp(current - ago * period + period / 2, UTC)
            data.append({"MetricName": "SchedulerHeartbeat", "Timestamp": stamp, "Value": value, "Unit": "Count",
                         "Dimensions": [{"Name": "Environment", "Value": self.config.primary_environment},
                                        {"Name": "Function", "Value": "Scheduler"}]})
        client("cloudwatch", PRIMARY).put_metric_data(Namespace="AmazonMWAA", MetricData=data)

    def operations(self) -> int:
        """How many failover operations the history records as started."""
        return sum(1 for h in self.state().get("history", []) if h["event"] == "operation_started")


def make_platform(fake: FakeMwaa, dr_mode: str = "warm_standby", health: dict[str, Any] | None = None,
                  **overrides: Any) -> Platform:
    suffix = uuid.uuid4().hex[:8]
    env = f"t{suffix}"
    _ensure_table()
    bucket = f"dr-config-{suffix}"
    s3 = client("s3", SECONDARY)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SECONDARY})
    sns, sqs = client("sns", SECONDARY), client("sqs", SECONDARY)
    topic = sns.create_topic(Name=f"dr-{suffix}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"dr-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    doc: dict[str, Any] = {
        "env": env, "primary_region": PRIMARY, "secondary_region": SECONDARY,
        "primary_environment": f"{env}-primary", "secondary_environment": f"{env}-secondary",
        "state_table": TABLE, "config_bucket": bucket, "backup_url": f"s3://dr-replica-{suffix}/{env}",
        "failback_backup_url": f"s3://dr-secondary-{suffix}/{env}",
        "dr_mode": dr_mode, "topic_arn": topic, "poll_seconds": 1, "lease_seconds": 120,
        "restore_timeout_seconds": 300, "verify_dag_id": "data_pipeline", "verify_timeout_seconds": 30,
        "health": {"period_seconds": 10, "periods": 4, "unhealthy_periods": 3, "grace_seconds": 0,
                   **(health or {})},
        "secondary_overrides": {
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/secondary-exec",
            "SourceBucketArn": f"arn:aws:s3:::dr-replica-dags-{suffix}",
            "NetworkConfiguration": {"SubnetIds": ["subnet-w1", "subnet-w2"], "SecurityGroupIds": ["sg-w"]},
            "AirflowConfigurationOptions": {"mwaa_platform.dr_backup_url": f"s3://dr-secondary-{suffix}/{env}"},
        },
        **overrides,
    }
    config = FailoverConfig.from_dict(doc)
    fake.new_env_dags = {d: True for d in WORKLOAD_DAGS}
    fake.add(PRIMARY, config.primary_environment, dags=WORKLOAD_DAGS)
    if dr_mode == "warm_standby":
        fake.add(SECONDARY, config.secondary_environment,
                 dags={d: True for d in WORKLOAD_DAGS})  # a paused twin
    return Platform(config, fake, queue)


def build_zip(path: Path) -> bytes:
    build(path, ["failover"])
    return path.read_bytes()


@dataclass
class Deployment:
    """The real handlers as emulator Lambdas and the state machine built by statemachine.build()."""

    platform: Platform
    machine_arn: str
    functions: dict[str, str]
    definition: dict[str, Any]

    @classmethod
    def create(cls, platform: Platform, code: bytes, extra_env: dict[str, str]) -> Deployment:
        config = platform.config
        suffix = config.env
        iam, lam = client("iam", SECONDARY), client("lambda", SECONDARY)
        role = iam.create_role(RoleName=f"{suffix}-failover", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        env_vars = {"MWAA_PLATFORM_FAILOVER_CONFIG": json.dumps(config.to_dict()), **extra_env}
        arns = {}
        for name, spec in statemachine.lambda_specs().items():
            arns[name] = lam.create_function(
                FunctionName=f"{suffix}-{name}", Runtime="python3.11", Role=role, Handler=spec["handler"],
                Code={"ZipFile": code}, Timeout=spec["timeout"], MemorySize=256,
                Environment={"Variables": env_vars})["FunctionArn"]
        definition = statemachine.build(arns, poll_seconds=config.poll_seconds,
                                        restore_timeout_seconds=config.restore_timeout_seconds,
                                        wait_available_timeout_seconds=config.wait_available_timeout_seconds)
        sfn = client("stepfunctions", SECONDARY)
        validated = sfn.validate_state_machine_definition(definition=json.dumps(definition), type="STANDARD")
        assert validated["result"] == "OK", validated["diagnostics"]
        machine = sfn.create_state_machine(name=f"{suffix}-failover", definition=json.dumps(definition),
                                           roleArn=role)["stateMachineArn"]
        return cls(platform, machine, arns, definition)

    def start(self, payload: dict[str, Any] | None = None) -> str:
        sfn = client("stepfunctions", SECONDARY)
        return str(sfn.start_execution(stateMachineArn=self.machine_arn, name=f"x-{uuid.uuid4().hex[:12]}",
                                       input=json.dumps(payload or {}))["executionArn"])

    def wait(self, execution_arn: str, timeout: float = 120.0) -> dict[str, Any]:
        sfn = client("stepfunctions", SECONDARY)

        def done() -> dict[str, Any] | None:
            desc = sfn.describe_execution(executionArn=execution_arn)
            return desc if desc["status"] != "RUNNING" else None

        result: dict[str, Any] = wait_for(done, timeout=timeout, every=0.5, what=f"execution {execution_arn}")
        return result

    def run(self, payload: dict[str, Any] | None = None, timeout: float = 120.0) -> dict[str, Any]:
        return self.wait(self.start(payload), timeout)

    def end_state(self, execution_arn: str) -> str | None:
        """The name of the terminal state the execution ended in."""
        events = client("stepfunctions", SECONDARY).get_execution_history(
            executionArn=execution_arn, maxResults=1000)["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
        return entered[-1] if entered else None


def periods_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


class FailingEndpoint:
    """An HTTP endpoint that answers every request with 503: a regional API outage, as the SDK sees one."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            requests = 0

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                type(self).requests += 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.handler = Handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def requests(self) -> int:
        return int(self.handler.requests)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
