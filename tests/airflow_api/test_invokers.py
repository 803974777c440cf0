"""DAG invokers: real S3 / Scheduler event shapes from the emulator, InvokeRestApi requests checked with
botocore's Stubber (the local MWAA is not wired in here), and the packaged handlers executed by the
emulator's Lambda runtime (boto3 only: proves the zip imports nothing the Lambda runtime lacks)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from mwaa_platform.airflow_api import dag_invokers, handlers
from mwaa_platform.airflow_client.client import AirflowClient
from mwaa_platform.airflow_client.invoke_rest_api import InvokeRestApiTransport
from mwaa_platform.packaging import build

pytestmark = pytest.mark.emulator

BUCKET = "landing-zone"
KEY = "sales/2025 01/orders:eu.csv"
ROUTES = {"sales/": {"dag_id": "sales_etl", "conf": {"layer": "raw"}},
          "sales/2025": {"dag_id": "sales_2025", "conf": {"layer": "curated"}}}
FLOWS = {"daily_sales": {"dag_id": "sales_etl", "conf": {"mode": "full"}}}


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _drain(sqs: Any, url: str, want: int) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while len(bodies) < want and time.monotonic() < deadline:
        for msg in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(msg["Body"])
            if "Records" in body or body.get("source") == "aws.s3":  # skip S3's s3:TestEvent
                bodies.append(body)
    return bodies


@pytest.fixture(scope="module")
def s3_events(emulator: Any) -> dict[str, dict[str, Any]]:
    """What S3 really delivers for two uploads, as an S3 notification and as an EventBridge event."""
    env = emulator.env("us-east-1")
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
    s3, sqs, events = (session.client(s, endpoint_url=emulator.endpoint) for s in ("s3", "sqs", "events"))
    s3.create_bucket(Bucket=BUCKET)
    records_url, records_arn = _queue(sqs, "invoker-records")
    bridge_url, bridge_arn = _queue(sqs, "invoker-eventbridge")
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": records_arn, "Events": ["s3:ObjectCreated:*"]}],
        "EventBridgeConfiguration": {}})
    events.put_rule(Name="invoker-capture", EventPattern=json.dumps(
        {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"bucket": {"name": [BUCKET]}}}))
    events.put_targets(Rule="invoker-capture", Targets=[{"Id": "capture", "Arn": bridge_arn}])
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"id,amount\n1,2\n")
    s3.put_object(Bucket=BUCKET, Key="tmp/scratch.txt", Body=b"x")
    records = {b["Records"][0]["s3"]["object"]["key"]: b for b in _drain(sqs, records_url, 2)}
    bridge = {b["detail"]["object"]["key"]: b for b in _drain(sqs, bridge_url, 2)}
    return {"records": records["sales%2F2025+01%2Forders%3Aeu.csv"], "records_other": records["tmp%2Fscratch.txt"],
            "eventbridge": bridge[KEY], "eventbridge_other": bridge["tmp/scratch.txt"]}


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """handlers._client -> an InvokeRestApi client whose MWAA calls are checked by a Stubber."""
    mwaa = boto3.client("mwaa", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(mwaa)
    monkeypatch.setenv("MWAA_ENVIRONMENT_NAME", "prod-env")
    monkeypatch.setenv("AIRFLOW_VERSION", "2.10.3")
    monkeypatch.setenv("KEY_ROUTES", json.dumps(ROUTES))
    monkeypatch.setenv("BUCKETS", json.dumps([BUCKET]))
    monkeypatch.setenv("FLOWS", json.dumps(FLOWS))
    monkeypatch.setattr(handlers, "_client", lambda: AirflowClient(
        InvokeRestApiTransport("prod-env", airflow_version="2.10.3", mwaa_client=mwaa, backoff=0.01)))
    with stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _expect_trigger(stubber: Stubber, dag_id: str, run_id: Any, conf: dict[str, Any]) -> None:
    stubber.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": {
        "dag_id": dag_id, "dag_run_id": "from-server", "state": "queued", "conf": conf}},
        {"Name": "prod-env", "Path": f"/dags/{dag_id}/dagRuns", "Method": "POST",
         "Body": {"dag_run_id": run_id, "conf": conf}})


# S3 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", ["eventbridge", "records"])
def test_s3_event_routes_longest_prefix(s3_events: dict[str, dict[str, Any]], shape: str) -> None:
    routes = dag_invokers.load_routes(json.dumps(ROUTES))
    runs, ignored = dag_invokers.s3_invocations(s3_events[shape], routes, [BUCKET])
    assert ignored == []
    [run] = runs
    assert run.dag_id == "sales_2025"
    assert run.conf["key"] == KEY and run.conf["bucket"] == BUCKET and run.conf["layer"] == "curated"
    assert run.conf["prefix"] == "sales/2025" and run.conf["size"] == 14
    assert run.run_id.startswith("s3__") and len(f"/dags/{run.dag_id}/dagRuns/{run.run_id}") <= 64


def test_same_object_same_run_id_other_object_other_run_id(s3_events: dict[str, dict[str, Any]]) -> None:
    routes = dag_invokers.load_routes(json.dumps({"sales/": {"dag_id": "a"}, "tmp/": {"dag_id": "b"}}))
    first = dag_invokers.s3_invocations(s3_events["eventbridge"], routes)[0][0]
    again = dag_invokers.s3_invocations(s3_events["eventbridge"], routes)[0][0]
    other = dag_invokers.s3_invocations(s3_events["eventbridge_other"], routes)[0][0]
    assert first.run_id == again.run_id != other.run_id


def test_s3_handler_triggers_once_and_treats_redelivery_as_done(s3_events: dict[str, dict[str, Any]],
                                                                stubbed: Stubber) -> None:
    event = s3_events["eventbridge"]
    obj = event["detail"]["object"]
    conf = {"layer": "curated", "bucket": BUCKET, "key": KEY, "prefix": "sales/2025", "size": 14,
            "etag": obj.get("etag") or obj["eTag"], "version_id": obj["version-id"], "event_time": event["time"]}
    _expect_trigger(stubbed, "sales_2025", ANY, conf)
    stubbed.add_client_error("invoke_rest_api", "RestApiClientException", "conflict", 400, modeled_fields={
        "RestApiStatusCode": 409, "RestApiResponse": {"detail": "DAGRun already exists"}})
    out = handlers.s3(s3_events["eventbridge"], None)
    assert out == {"status": "ok", "ignored": [],
                   "runs": [{"dag_id": "sales_2025", "run_id": "from-server", "outcome": "triggered"}]}
    again = handlers.s3(s3_events["eventbridge"], None)
    assert again["runs"][0]["outcome"] == "already_triggered" and again["runs"][0]["run_id"].startswith("s3__")


def test_s3_handler_ignores_unrouted_keys_without_calling(s3_events: dict[str, dict[str, Any]],
                                                          stubbed: Stubber) -> None:
    out = handlers.s3(s3_events["records_other"], None)
    assert out == {"status": "ok", "runs": [], "ignored": ["tmp/scratch.txt"]}


@pytest.mark.parametrize("event", [
    None, [], {}, {"Records": []}, {"Records": [{"eventSource": "aws:sqs"}]},
    {"source": "aws.s3", "detail-type": "Object Deleted", "detail": {}},
    {"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": BUCKET}}},
    {"source": "aws.s3", "detail-type": "Object Created",
     "detail": {"bucket": {"name": "someone-elses-bucket"}, "object": {"key": "sales/x.csv"}}},
])
def test_s3_handler_rejects_malformed_events_without_calling(event: Any, stubbed: Stubber) -> None:
    out = handlers.s3(event, None)
    assert out["status"] == "rejected" and out["reason"]


# scheduled ---------------------------------------------------------------------------------------
def _scheduler_event(aws_env: dict[str, str]) -> dict[str, Any]:
    """Create a schedule the way the module does, read its input back, and fill the context attributes."""
    scheduler = boto3.client("scheduler")
    template = json.dumps({"flow_id": "daily_sales", "scheduled_time": "<aws.scheduler.scheduled-time>",
                           "execution_id": "<aws.scheduler.execution-id>"})
    name = f"daily-sales-{time.monotonic_ns()}"
    scheduler.create_schedule(
        Name=name, ScheduleExpression="cron(0 6 * * ? *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:lambda:us-east-1:123456789012:function:scheduled-invoker",
                "RoleArn": "arn:aws:iam::123456789012:role/scheduler", "Input": template})
    # by name: the session's emulator may hold other tests' schedules (the list is not in creation order)
    raw = scheduler.get_schedule(Name=name)["Target"]["Input"]
    raw = raw.replace("<aws.scheduler.scheduled-time>", "2025-01-31T06:00:00Z")
    raw = raw.replace("<aws.scheduler.execution-id>", "d2b5b1f4-7d4e-4f1c-9a44-3a1f0c9e8b11")
    return json.loads(raw)


def test_scheduled_handler_triggers_flow_with_deterministic_run_id(aws_env: dict[str, str],
                                                                   stubbed: Stubber) -> None:
    event = _scheduler_event(aws_env)
    _expect_trigger(stubbed, "sales_etl", "flow__daily_sales__20250131T060000Z", {
        "mode": "full", "flow_id": "daily_sales", "scheduled_time": "2025-01-31T06:00:00+00:00",
        "scheduler_execution_id": "d2b5b1f4-7d4e-4f1c-9a44-3a1f0c9e8b11"})
    out = handlers.scheduled(event, None)
    assert out["runs"][0]["outcome"] == "triggered"


@pytest.mark.parametrize("event", [{}, {"flow_id": "nope"}, {"flow_id": "daily_sales", "scheduled_time": "soon"},
                                   {"flow_id": "bad id!"}, "daily_sales"])
def test_scheduled_handler_rejects_without_calling(event: Any, stubbed: Stubber) -> None:
    assert handlers.scheduled(event, None)["status"] == "rejected"


@pytest.mark.parametrize(("raw", "match"), [
    (None, "not set"), ("{", "not valid JSON"), ("{}", "non-empty"),
    ('{"x": {"dag_id": "has space"}}', "dag_id"), ('{"x": {"dag_id": "' + "d" * 51 + '"}}', "dag_id"),
])
def test_bad_configuration_is_a_config_error(raw: str | None, match: str) -> None:
    with pytest.raises(dag_invokers.InvalidConfigError, match=match):
        dag_invokers.load_flows(raw)


# packaged handlers executed by the emulator's Lambda runtime -------------------------------------
def test_packaged_handlers_run_in_the_lambda_runtime(aws_env: dict[str, str], s3_events: dict[str, dict[str, Any]],
                                                     tmp_path: Path) -> None:
    zip_path = tmp_path / "airflow_api.zip"
    build(zip_path, ["airflow_api"])
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName=f"invoker-{time.monotonic_ns()}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    common = {"Runtime": "python3.11", "Role": role, "Code": {"ZipFile": zip_path.read_bytes()}, "Timeout": 30}
    env = {"MWAA_ENVIRONMENT_NAME": "prod-env", "AIRFLOW_VERSION": "2.10.3", "KEY_ROUTES": json.dumps(ROUTES),
           "BUCKETS": json.dumps([BUCKET]), "FLOWS": json.dumps(FLOWS)}
    lam.create_function(FunctionName="s3-invoker-pkg", Handler="mwaa_platform.airflow_api.handlers.s3",
                        Environment={"Variables": env}, **common)
    lam.create_function(FunctionName="scheduled-invoker-pkg", Handler="mwaa_platform.airflow_api.handlers.scheduled",
                        Environment={"Variables": env}, **common)

    def invoke(name: str, event: Any) -> tuple[Any, str | None]:
        out = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return json.loads(out["Payload"].read()), out.get("FunctionError")

    payload, error = invoke("s3-invoker-pkg", s3_events["eventbridge_other"])
    assert error is None and payload == {"status": "ok", "runs": [], "ignored": ["tmp/scratch.txt"]}
    payload, error = invoke("s3-invoker-pkg", {"source": "aws.s3", "detail-type": "Object Deleted"})
    assert error is None and payload["status"] == "rejected"
    payload, error = invoke("scheduled-invoker-pkg", {"flow_id": "unknown_flow"})
    assert error is None and payload["status"] == "rejected" and "unknown flow_id" in payload["reason"]
