"""Each emulator fix closes one measured gap; each test here fails without its fix."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


HANDLER = '''
import json, os, time
import boto3

def handler(event, context):
    print("got event", json.dumps(event, sort_keys=True))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    bucket = os.environ["OUT_BUCKET"]
    key = event.get("key") or event.get("detail", {}).get("key", "none")
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(event).encode())
    return {"wrote": key, "fn": context.function_name, "remaining_ok": context.get_remaining_time_in_millis() > 0}
'''


def _wait(predicate: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


@pytest.fixture
def function(aws_env: dict[str, str]) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    bucket = f"out-{suffix}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    role = boto3.client("iam").create_role(RoleName=f"fn-{suffix}", AssumeRolePolicyDocument=ROLE_POLICY)
    files = {"app/__init__.py": "", "app/main.py": HANDLER, "broken.py": "import requests\n"
             "def handler(event, context):\n    return 1\n"}
    name = f"fn-{suffix}"
    boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"], Handler="app/main.handler",
        Code={"ZipFile": _zip(files)}, Timeout=3, Environment={"Variables": {"OUT_BUCKET": bucket}},
    )
    return {"name": name, "bucket": bucket, "zip_files": json.dumps(sorted(files))}


def test_lambda_handler_runs_for_real(function: dict[str, str]) -> None:
    lam = boto3.client("lambda")
    resp = lam.invoke(FunctionName=function["name"], Payload=json.dumps({"key": "direct"}), LogType="Tail")
    assert "FunctionError" not in resp
    payload = json.loads(resp["Payload"].read())
    assert payload == {"wrote": "direct", "fn": function["name"], "remaining_ok": True}
    body = boto3.client("s3").get_object(Bucket=function["bucket"], Key="direct")["Body"].read()
    assert json.loads(body) == {"key": "direct"}
    logs = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function['name']}")
    assert any("got event" in e["message"] for e in logs["events"])


def test_lambda_error_and_timeout_are_function_errors(function: dict[str, str]) -> None:
    lam = boto3.client("lambda")
    resp = lam.invoke(FunctionName=function["name"], Payload=json.dumps({"fail": True}))
    assert resp.get("FunctionError")
    assert json.loads(resp["Payload"].read())["errorType"] == "ValueError"
    resp = lam.invoke(FunctionName=function["name"], Payload=json.dumps({"sleep": 10}))
    assert resp.get("FunctionError")
    assert "timed out" in json.loads(resp["Payload"].read())["errorMessage"]


def test_lambda_runtime_has_only_runtime_packages(function: dict[str, str]) -> None:
    lam = boto3.client("lambda")
    lam.update_function_configuration(FunctionName=function["name"], Handler="broken.handler")
    resp = lam.invoke(FunctionName=function["name"], Payload="{}")
    assert resp.get("FunctionError")
    assert json.loads(resp["Payload"].read())["errorType"] == "ModuleNotFoundError"


def test_lambda_async_invocation_returns_202_and_runs(function: dict[str, str]) -> None:
    resp = boto3.client("lambda").invoke(FunctionName=function["name"], InvocationType="Event",
                                         Payload=json.dumps({"key": "async"}))
    assert resp["StatusCode"] == 202
    s3 = boto3.client("s3")
    _wait(lambda: s3.list_objects_v2(Bucket=function["bucket"], Prefix="async").get("KeyCount"))


def _rule_to(target_arn: str, extra: dict[str, Any] | None = None) -> str:
    events = boto3.client("events")
    name = f"r-{uuid.uuid4().hex[:8]}"
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps({"source": ["test.fixes"]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": target_arn, **(extra or {})}])
    return rule_arn


def _put_event(detail: dict[str, Any]) -> None:
    resp = boto3.client("events").put_events(Entries=[
        {"Source": "test.fixes", "DetailType": "x", "Detail": json.dumps(detail)}])
    assert resp["FailedEntryCount"] == 0


def test_eventbridge_delivers_to_lambda_with_permission(function: dict[str, str]) -> None:
    lam = boto3.client("lambda")
    arn = lam.get_function(FunctionName=function["name"])["Configuration"]["FunctionArn"]
    rule_arn = _rule_to(arn)
    lam.add_permission(FunctionName=function["name"], StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    _put_event({"key": "from-events"})
    s3 = boto3.client("s3")
    _wait(lambda: s3.list_objects_v2(Bucket=function["bucket"], Prefix="from-events").get("KeyCount"))
    body = json.loads(s3.get_object(Bucket=function["bucket"], Key="from-events")["Body"].read())
    assert body["source"] == "test.fixes" and body["detail"] == {"key": "from-events"}


def test_eventbridge_without_permission_goes_to_dlq(function: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    arn = boto3.client("lambda").get_function(FunctionName=function["name"])["Configuration"]["FunctionArn"]
    _rule_to(arn, {"DeadLetterConfig": {"Arn": dlq_arn}, "RetryPolicy": {"MaximumRetryAttempts": 0}})
    _put_event({"key": "denied"})
    msgs = _wait(lambda: sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get("Messages"))
    assert json.loads(msgs[0]["Body"])["detail"] == {"key": "denied"}
    assert "resource policy" in msgs[0]["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"]
    assert not boto3.client("s3").list_objects_v2(Bucket=function["bucket"], Prefix="denied").get("KeyCount")


PASS_MACHINE = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


def _machine() -> str:
    role = boto3.client("iam").create_role(RoleName=f"sfn-{uuid.uuid4().hex[:8]}",
                                           AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    return boto3.client("stepfunctions").create_state_machine(
        name=f"m-{uuid.uuid4().hex[:8]}", definition=PASS_MACHINE, roleArn=role)["stateMachineArn"]


def test_eventbridge_starts_step_functions(aws_env: dict[str, str]) -> None:
    machine = _machine()
    _rule_to(machine, {"InputPath": "$.detail"})
    _put_event({"hello": "sfn"})
    sfn = boto3.client("stepfunctions")
    execs = _wait(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])
    desc = sfn.describe_execution(executionArn=execs[0]["executionArn"])
    assert json.loads(desc["input"]) == {"hello": "sfn"}


def test_unnamed_executions_get_distinct_names(aws_env: dict[str, str]) -> None:
    sfn = boto3.client("stepfunctions")
    machine = _machine()
    first = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    assert first != second
    assert not first.endswith(":None")


def test_validate_state_machine_definition(aws_env: dict[str, str]) -> None:
    sfn = boto3.client("stepfunctions")
    assert sfn.validate_state_machine_definition(definition=PASS_MACHINE)["result"] == "OK"
    bad = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
    result = sfn.validate_state_machine_definition(definition=bad)
    assert result["result"] == "FAIL"
    assert {d["code"] for d in result["diagnostics"]} >= {"MISSING_TRANSITION_TARGET"}
    assert sfn.list_state_machine_versions(stateMachineArn=_machine())["stateMachineVersions"] == []


def test_sqs_redrive_policy_is_compact_json(aws_env: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName=f"d-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}, separators=(",", ":"))
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert got == policy


def test_bucket_with_suspended_versioning_can_be_emptied_and_deleted(aws_env: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    bucket = f"v-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    s3.delete_object(Bucket=bucket, Key="k")  # creates a delete marker
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    versions = s3.list_object_versions(Bucket=bucket)
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_group_referencing_rule_keeps_its_description(aws_env: dict[str, str]) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.98.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName=f"g-{uuid.uuid4().hex[:6]}", Description="d", VpcId=vpc)["GroupId"]
    rule = ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg, "Description": "self"}]}])["SecurityGroupRules"][0]
    rule_id = rule["SecurityGroupRuleId"]

    def described() -> dict[str, Any]:
        return ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"][0]

    assert described()["Description"] == "self"
    assert described()["ReferencedGroupInfo"]["GroupId"] == sg
    ec2.modify_security_group_rules(GroupId=sg, SecurityGroupRules=[{"SecurityGroupRuleId": rule_id,
        "SecurityGroupRule": {"IpProtocol": "-1", "ReferencedGroupId": sg, "Description": "changed"}}])
    assert described()["Description"] == "changed"


def test_scheduler_fires_rate_schedule_into_sqs_and_step_functions(aws_env: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"sched-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    role = boto3.client("iam").create_role(RoleName=f"sch-{uuid.uuid4().hex[:8]}",
                                           AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    machine = _machine()
    scheduler = boto3.client("scheduler")
    for name, arn in (("to-sqs", queue_arn), ("to-sfn", machine)):
        scheduler.create_schedule(Name=f"{name}-{uuid.uuid4().hex[:6]}", ScheduleExpression="rate(1 minute)",
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": arn, "RoleArn": role, "Input": json.dumps({"from": name})})
    msgs = _wait(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), timeout=90)
    assert json.loads(msgs[0]["Body"]) == {"from": "to-sqs"}
    sfn = boto3.client("stepfunctions")
    execs = _wait(lambda: sfn.list_executions(stateMachineArn=machine)["executions"], timeout=30)
    assert json.loads(sfn.describe_execution(executionArn=execs[0]["executionArn"])["input"]) == {"from": "to-sfn"}


def test_cron_expressions() -> None:
    import datetime as dt

    from mwaa_local.aws_emulator.fixes.scheduler_fires_schedules import cron_matches

    monday_0915 = dt.datetime(2026, 11, 23, 9, 15, tzinfo=dt.UTC)
    assert cron_matches("15 9 * * ? *", monday_0915) is True
    assert cron_matches("0/15 9-17 ? * 2-6 *", monday_0915) is True  # weekdays (AWS: 2=Monday)
    assert cron_matches("0/15 9-17 ? * 1,7 *", monday_0915) is False  # weekends only
    assert cron_matches("16 9 * * ? *", monday_0915) is False
    assert cron_matches("0 12 L * ? *", monday_0915) is None  # L is not emulated: never fires


def test_ram_associate_and_disassociate(aws_env: dict[str, str]) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.97.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.97.1.0/24")["Subnet"]["SubnetArn"]
    ram = boto3.client("ram")
    share = ram.create_resource_share(name=f"s-{uuid.uuid4().hex[:6]}")["resourceShare"]["resourceShareArn"]
    try:
        ram.associate_resource_share(resourceShareArn=share, resourceArns=[subnet], principals=["210987654321"])

        def entities(kind: str) -> list[str]:
            found = ram.get_resource_share_associations(associationType=kind, resourceShareArns=[share])
            return [a["associatedEntity"] for a in found["resourceShareAssociations"]]

        assert entities("RESOURCE") == [subnet]
        assert entities("PRINCIPAL") == ["210987654321"]
        ram.disassociate_resource_share(resourceShareArn=share, resourceArns=[subnet], principals=["210987654321"])
        assert entities("RESOURCE") == [] and entities("PRINCIPAL") == []
        with pytest.raises(ram.exceptions.ClientError):
            ram.associate_resource_share(resourceShareArn=share, principals=["not-a-principal"])
    finally:  # the session's emulator is shared with later tests that count this account's shares
        ram.delete_resource_share(resourceShareArn=share)
        ec2.delete_subnet(SubnetId=subnet.split("/")[-1])
        ec2.delete_vpc(VpcId=vpc)


def test_lambda_keeps_dead_letter_and_logging_config_and_uses_the_dlq(function: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"fdlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam = boto3.client("lambda")
    lam.update_function_configuration(FunctionName=function["name"], DeadLetterConfig={"TargetArn": dlq_arn})
    config = lam.get_function_configuration(FunctionName=function["name"])
    assert config["DeadLetterConfig"] == {"TargetArn": dlq_arn}
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function['name']}"}
    lam.invoke(FunctionName=function["name"], InvocationType="Event", Payload=json.dumps({"fail": True}))
    msgs = _wait(lambda: sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get("Messages"), 60)
    assert json.loads(msgs[0]["Body"]) == {"fail": True}
    assert "asked to fail" in msgs[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]


def test_bucket_eventbridge_notification_is_reported(aws_env: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    bucket = f"n-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket,
                                             NotificationConfiguration={"EventBridgeConfiguration": {}})
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}
