"""The emulator's shared-VPC behaviour across two accounts (fixes ec2_ram_shared_subnets and
events_cross_account_bus_targets): a participant sees exactly the subnets RAM shares with it, and an event
forwarded to another account's bus keeps its source account and is admitted only by the bus policy."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tfhelpers import PARTICIPANT, owner_session, participant_session

from mwaa_local.emulator import ACCOUNT_ID, Emulator

pytestmark = [pytest.mark.emulator]
REGION = "us-east-1"


def _client(session: boto3.session.Session, service: str, emulator: Emulator) -> Any:
    return session.client(service, endpoint_url=emulator.endpoint)  # type: ignore[call-overload]


def test_participant_sees_only_the_subnets_shared_with_it(emulator: Emulator) -> None:
    owner_ec2 = _client(owner_session(emulator, REGION), "ec2", emulator)
    ram = _client(owner_session(emulator, REGION), "ram", emulator)
    part = participant_session(emulator, REGION)
    assert _client(part, "sts", emulator).get_caller_identity()["Account"] == PARTICIPANT
    part_ec2 = _client(part, "ec2", emulator)

    vpc = owner_ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [owner_ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24",
                                       AvailabilityZone=f"{REGION}{'abc'[i]}")["Subnet"] for i in range(3)]
    shared, private = subnets[:2], subnets[2]
    ids = [s["SubnetId"] for s in shared]
    with pytest.raises(ClientError, match=r"InvalidSubnetID\.NotFound"):
        part_ec2.describe_subnets(SubnetIds=ids)  # nothing shared yet

    share = ram.create_resource_share(name=f"s-{uuid.uuid4().hex[:8]}", principals=[PARTICIPANT],
                                      resourceArns=[s["SubnetArn"] for s in shared])["resourceShare"]
    try:
        seen = part_ec2.describe_subnets(SubnetIds=ids)["Subnets"]
        assert sorted(s["SubnetId"] for s in seen) == sorted(ids)
        assert {s["OwnerId"] for s in seen} == {ACCOUNT_ID}
        assert {s["VpcId"] for s in seen} == {vpc}
        by_vpc = part_ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
        assert sorted(s["SubnetId"] for s in by_vpc) == sorted(ids)  # the unshared third subnet stays hidden
        with pytest.raises(ClientError, match=r"InvalidSubnetID\.NotFound"):
            part_ec2.describe_subnets(SubnetIds=[private["SubnetId"]])
        assert [v["VpcId"] for v in part_ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]] == [vpc]
        # the owner's own view is unchanged, and another account sees nothing
        assert len(owner_ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]) == 3
    finally:
        ram.delete_resource_share(resourceShareArn=share["resourceShareArn"])
    with pytest.raises(ClientError, match=r"InvalidSubnetID\.NotFound"):
        part_ec2.describe_subnets(SubnetIds=ids)  # share deleted: gone again
    for s in subnets:
        owner_ec2.delete_subnet(SubnetId=s["SubnetId"])
    owner_ec2.delete_vpc(VpcId=vpc)


def test_get_resource_shares_honours_its_filters(emulator: Emulator) -> None:
    """The provider finds its share by ARN: other (and deleted) shares of the account must not answer too."""
    ram = _client(owner_session(emulator, REGION), "ram", emulator)
    tag = uuid.uuid4().hex[:8]
    kept = ram.create_resource_share(name=f"kept-{tag}", principals=[PARTICIPANT],
                                     tags=[{"key": "probe", "value": tag}])["resourceShare"]
    gone = ram.create_resource_share(name=f"gone-{tag}", principals=[PARTICIPANT])["resourceShare"]
    ram.delete_resource_share(resourceShareArn=gone["resourceShareArn"])
    try:
        by_arn = ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[kept["resourceShareArn"]])
        assert [s["name"] for s in by_arn["resourceShares"]] == [f"kept-{tag}"]
        deleted = ram.get_resource_shares(resourceOwner="SELF", resourceShareStatus="DELETED")["resourceShares"]
        assert f"gone-{tag}" in [s["name"] for s in deleted] and f"kept-{tag}" not in [s["name"] for s in deleted]
        assert [s["name"] for s in ram.get_resource_shares(resourceOwner="SELF", name=f"gone-{tag}")[
            "resourceShares"]] == [f"gone-{tag}"]
        tagged = ram.get_resource_shares(resourceOwner="SELF", tagFilters=[{"tagKey": "probe", "tagValues": [tag]}])
        assert [s["name"] for s in tagged["resourceShares"]] == [f"kept-{tag}"]
        assert len(ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]) >= 2  # unfiltered: all
    finally:
        ram.delete_resource_share(resourceShareArn=kept["resourceShareArn"])


def test_create_vpc_endpoint_is_idempotent_by_client_token(emulator: Emulator) -> None:
    """Redelivered events may run the handler concurrently here: one token must give one endpoint."""
    ec2 = _client(owner_session(emulator, REGION), "ec2", emulator)
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    service = f"com.amazonaws.vpce.{REGION}.vpce-svc-{uuid.uuid4().hex[:17]}"
    token = f"probe-{uuid.uuid4().hex}"

    def create(name: str = service) -> str:
        return str(ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Interface",
                                           ClientToken=token)["VpcEndpoint"]["VpcEndpointId"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(lambda _: create(), range(4)))
    assert len(ids) == 1
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": [service]}])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in found] == list(ids)
    with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
        create(service + "0")
    ec2.delete_vpc_endpoints(VpcEndpointIds=list(ids))
    assert create() not in ids  # a deleted endpoint's token starts afresh
    ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(
        Filters=[{"Name": "service-name", "Values": [service]}])["VpcEndpoints"]])
    ec2.delete_vpc(VpcId=vpc)


def _bus_with_queue(emulator: Emulator, policy_detail_type: str | None) -> tuple[str, str, Any]:
    """Owner side: a bus (with a participant policy unless policy_detail_type is None) whose rule for the
    participant's account feeds an SQS queue; returns (bus arn, queue url, sqs client)."""
    session = owner_session(emulator, REGION)
    events, sqs = _client(session, "events", emulator), _client(session, "sqs", emulator)
    suffix = uuid.uuid4().hex[:8]
    bus = events.create_event_bus(Name=f"owner-{suffix}")["EventBusArn"]
    if policy_detail_type is not None:
        events.put_permission(EventBusName=f"owner-{suffix}", Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "Participants", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTICIPANT}:root"},
                "Action": "events:PutEvents", "Resource": bus,
                "Condition": {"StringEquals": {"events:source": "aws.airflow",
                                               "events:detail-type": policy_detail_type}},
            }],
        }))
    queue = sqs.create_queue(QueueName=f"seen-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="from-participant", EventBusName=f"owner-{suffix}",
                    EventPattern=json.dumps({"source": ["aws.airflow"], "account": [PARTICIPANT]}))
    events.put_targets(Rule="from-participant", EventBusName=f"owner-{suffix}", Targets=[{"Id": "q", "Arn": queue_arn}])
    return bus, queue, sqs


@pytest.fixture
def forwarder(emulator: Emulator) -> Iterator[Callable[[str], tuple[Any, str, Any]]]:
    """Participant side: a default-bus rule forwarding aws.airflow events to a bus, DLQ in the participant;
    the rule is removed afterwards so later tests' events are not forwarded too."""
    made: list[tuple[Any, str]] = []

    def make(bus_arn: str) -> tuple[Any, str, Any]:
        events, dlq, sqs, rule = _forwarder(emulator, bus_arn)
        made.append((events, rule))
        return events, dlq, sqs

    yield make
    for events, rule in made:
        events.remove_targets(Rule=rule, Ids=["owner"])
        events.delete_rule(Name=rule)


def _forwarder(emulator: Emulator, bus_arn: str) -> tuple[Any, str, Any, str]:
    session = participant_session(emulator, REGION)
    events, sqs = _client(session, "events", emulator), _client(session, "sqs", emulator)
    suffix = uuid.uuid4().hex[:8]
    dlq = sqs.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"forward-{suffix}", EventPattern=json.dumps({"source": ["aws.airflow"]}))
    events.put_targets(Rule=f"forward-{suffix}", Targets=[{
        "Id": "owner", "Arn": bus_arn, "RoleArn": f"arn:aws:iam::{PARTICIPANT}:role/forwarder",
        "DeadLetterConfig": {"Arn": dlq_arn}}])
    return events, dlq, sqs, f"forward-{suffix}"


def _receive(sqs: Any, queue: str, wait: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if messages:
            return messages
    return []


def _put(events: Any, detail_type: str, marker: str) -> None:
    answer = events.put_events(Entries=[{"Source": "aws.airflow", "DetailType": detail_type,
                                         "Resources": [f"arn:aws:airflow:{REGION}:{PARTICIPANT}:environment/x"],
                                         "Detail": json.dumps({"marker": marker})}])
    assert answer["FailedEntryCount"] == 0


def test_forwarded_event_keeps_source_account_when_the_bus_policy_admits_it(emulator: Emulator,
                                                                            forwarder: Any) -> None:
    bus, queue, owner_sqs = _bus_with_queue(emulator, "MWAA Environment Status Change")
    events, dlq, part_sqs = forwarder(bus)
    _put(events, "MWAA Environment Status Change", "admitted")
    got = _receive(owner_sqs, queue)
    # the owner's rule matches only account = PARTICIPANT: it fired, so the source account was kept (moto's
    # SQS delivery template leaves "account" out of the body, so it cannot be read back here)
    assert len(got) == 1
    event = json.loads(got[0]["Body"])
    assert event["region"] == REGION
    assert event["detail"] == {"marker": "admitted"}
    assert event["resources"] == [f"arn:aws:airflow:{REGION}:{PARTICIPANT}:environment/x"]
    assert _receive(part_sqs, dlq, wait=1.0) == []

    # a detail-type the policy does not admit is refused and dead-lettered in the participant
    _put(events, "Something Else", "refused")
    assert _receive(owner_sqs, queue, wait=2.0) == []
    dead = _receive(part_sqs, dlq)
    assert len(dead) == 1 and json.loads(dead[0]["Body"])["detail"] == {"marker": "refused"}


def test_forwarding_to_a_bus_without_policy_is_refused(emulator: Emulator, forwarder: Any) -> None:
    bus, queue, owner_sqs = _bus_with_queue(emulator, None)
    events, dlq, part_sqs = forwarder(bus)
    _put(events, "MWAA Environment Status Change", "no-policy")
    assert _receive(owner_sqs, queue, wait=2.0) == []
    dead = _receive(part_sqs, dlq)
    assert len(dead) == 1
    assert json.loads(dead[0]["Body"])["detail"] == {"marker": "no-policy"}
    assert "no resource policy" in dead[0]["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"]
