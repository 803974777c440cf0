"""The emulator fixes the DR modules rely on; each test fails without its fix."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from dr_storage_helpers import PRIMARY, make_pair, s3


def _insecure(params: dict[str, Any], **kwargs: Any) -> None:
    params["headers"]["X-Forwarded-Proto"] = "http"


def test_tls_only_policy_allows_tls_and_denies_plain_http(aws_env: dict[str, str]) -> None:
    pair = make_pair()
    client = s3(PRIMARY)
    client.put_object(Bucket=pair.source, Key="a.txt", Body=b"hello")
    assert client.head_object(Bucket=pair.source, Key="a.txt")["ContentLength"] == 5
    assert client.get_object(Bucket=pair.source, Key="a.txt")["Body"].read() == b"hello"
    plain = s3(PRIMARY)
    plain.meta.events.register("before-call.s3.*", _insecure)
    with pytest.raises(ClientError) as denied:
        plain.head_object(Bucket=pair.source, Key="a.txt")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError):
        plain.get_object(Bucket=pair.source, Key="a.txt")


def test_statement_conditions_are_evaluated(aws_env: dict[str, str]) -> None:
    from mwaa_local.aws_emulator.fixes.s3_policy_conditions import conditions_hold, effective_policy

    secure = {"aws:securetransport": "true"}
    assert conditions_hold({"Bool": {"aws:SecureTransport": "false"}}, secure) is False
    assert conditions_hold({"Bool": {"aws:SecureTransport": ["false"]}}, {"aws:securetransport": "false"}) is True
    assert conditions_hold({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, secure) is False  # absent key
    assert conditions_hold({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}, secure) is True
    assert conditions_hold({"Null": {"aws:PrincipalOrgID": "true"}}, secure) is True
    policy = {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                            {"Effect": "Deny", "Action": "s3:DeleteObject"}]}
    assert effective_policy(policy, secure) == {"Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject"}]}
    # an Allow with a condition that does not hold no longer turns into a Deny
    bucket = f"cond-{uuid.uuid4().hex[:8]}"
    client = s3(PRIMARY)
    client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}]}))
    client.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_replication_configuration_round_trips(aws_env: dict[str, str]) -> None:
    pair = make_pair(prefix="prod/", delete_markers=True)
    rule = s3(PRIMARY).get_bucket_replication(Bucket=pair.source)["ReplicationConfiguration"]["Rules"][0]
    assert rule["Filter"] == {"Prefix": "prod/"}
    assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] == pair.replica_key


def test_conditional_writes_are_atomic_under_concurrency(aws_env: dict[str, str]) -> None:
    ddb = boto3.client("dynamodb")
    table = f"atomic-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    winners: list[int] = []
    barrier = threading.Barrier(12)

    def contend(i: int) -> None:
        client = boto3.client("dynamodb")
        barrier.wait(timeout=30)
        for round_ in range(5):
            try:
                client.put_item(TableName=table, Item={"pk": {"S": f"lease-{round_}"}, "who": {"N": str(i)}},
                                ConditionExpression="attribute_not_exists(pk)")
                winners.append(round_)
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(winners) == [0, 1, 2, 3, 4]  # exactly one winner per item


def test_multi_region_replica_key_keeps_its_own_settings(aws_env: dict[str, str]) -> None:
    east, west = boto3.client("kms", region_name="us-east-1"), boto3.client("kms", region_name="us-west-2")
    primary = east.create_key(MultiRegion=True, Description="primary")["KeyMetadata"]
    replica = east.replicate_key(KeyId=primary["KeyId"], ReplicaRegion="us-west-2", Description="replica",
                                 Tags=[{"TagKey": "side", "TagValue": "replica"}])["ReplicaKeyMetadata"]
    described = west.describe_key(KeyId=replica["Arn"])["KeyMetadata"]
    assert described["Description"] == "replica"
    assert described["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert east.describe_key(KeyId=primary["Arn"])["KeyMetadata"]["MultiRegionConfiguration"][
        "MultiRegionKeyType"] == "PRIMARY"
    assert west.list_resource_tags(KeyId=replica["KeyId"])["Tags"] == [{"TagKey": "side", "TagValue": "replica"}]
    sealed = east.encrypt(KeyId=primary["Arn"], Plaintext=b"fernet")["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"fernet"  # a 40-character mrk id round-trips
    data_key = east.generate_data_key(KeyId=primary["KeyId"], KeySpec="AES_256", EncryptionContext={"s": "1"})
    assert west.decrypt(CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext={"s": "1"})[
        "Plaintext"] == data_key["Plaintext"]
    assert west.decrypt(CiphertextBlob=sealed, KeyId=replica["Arn"])["Plaintext"] == b"fernet"  # shared material
    with pytest.raises(ClientError):  # as in AWS: another region's key ARN is not usable here
        west.decrypt(CiphertextBlob=sealed, KeyId=primary["Arn"])


def test_task_failure_cause_reaches_the_catch(aws_env: dict[str, str]) -> None:
    sfn = boto3.client("stepfunctions")
    definition = {"StartAt": "Wait", "States": {
        "Wait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": {"token.$": "$$.Task.Token"}},
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
                 "End": True},
        "Caught": {"Type": "Pass", "End": True}}}
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"tok-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    machine = sfn.create_state_machine(name=f"cause-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"queue": queue}))["executionArn"]
    import time

    deadline = time.monotonic() + 30
    messages: list[dict[str, Any]] = []
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    token = json.loads(messages[0]["Body"])["token"]
    sfn.send_task_failure(taskToken=token, error="MetadataRestoreFailed", cause="the manifest does not verify")
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.3)
    output = json.loads(sfn.describe_execution(executionArn=execution)["output"])
    assert output["error"] == {"Error": "MetadataRestoreFailed", "Cause": "the manifest does not verify"}
