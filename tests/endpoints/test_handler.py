"""The PENDING / DELETED handler against the session emulator (moto server, real EC2 calls)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from endpoint_helpers import (
    ACCOUNT,
    REGION,
    Call,
    Network,
    endpoints_for,
    make_event,
    policy_of,
    queue_arn,
    service_name,
    sqs_endpoint,
)

from mwaa_platform.endpoints import events, handler, sqs_policy, vpc_endpoints

pytestmark = pytest.mark.emulator

MUTATING = {"CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints", "CreateTags", "DeleteTags"}
RESTRICTIVE = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AppQueues", "Effect": "Allow", "Principal": "*", "Action": "sqs:*",
    "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:app-*"}]}


def tags(endpoint: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in endpoint.get("Tags", [])}


def operations(calls: list[Call]) -> list[str]:
    return [c.operation for c in calls]


def test_public_only_gets_a_database_endpoint_only(network: Network, ec2: Any, settings: handler.Settings) -> None:
    database, webserver = service_name(), service_name()
    event = make_event("pub-env", network, database=database, webserver=webserver, access_mode="PUBLIC_ONLY")
    outcome = handler.process(event, settings)
    assert outcome.action == "reconciled"
    assert outcome.vpc_id == network.vpc_id
    [db] = endpoints_for(ec2, network.vpc_id, database)
    assert endpoints_for(ec2, network.vpc_id, webserver) == []
    assert outcome.endpoints == {"database": db["VpcEndpointId"]} and outcome.created == [db["VpcEndpointId"]]
    assert db["VpcEndpointType"] == "Interface"
    assert sorted(db["SubnetIds"]) == sorted(network.subnet_ids)
    assert [g["GroupId"] for g in db["Groups"]] == [network.security_group_id]
    assert db["PrivateDnsEnabled"] is False
    assert tags(db)[vpc_endpoints.TAG_ENVIRONMENT] == "pub-env"
    assert tags(db)[vpc_endpoints.TAG_ACCOUNT] == ACCOUNT
    assert tags(db)[vpc_endpoints.TAG_MANAGED_BY] == vpc_endpoints.MANAGED_BY
    assert tags(db)[vpc_endpoints.TAG_PURPOSE] == "database"


def test_private_only_gets_database_and_webserver_endpoints(network: Network, ec2: Any,
                                                            settings: handler.Settings) -> None:
    database, webserver = service_name(), service_name()
    event = make_event("priv-env", network, database=database, webserver=webserver, access_mode="PRIVATE_ONLY")
    outcome = handler.process(event, settings)
    [db] = endpoints_for(ec2, network.vpc_id, database)
    [web] = endpoints_for(ec2, network.vpc_id, webserver)
    assert outcome.endpoints == {"database": db["VpcEndpointId"], "webserver": web["VpcEndpointId"]}
    assert tags(web)[vpc_endpoints.TAG_PURPOSE] == "webserver"
    assert tags(web)[vpc_endpoints.TAG_ENVIRONMENT] == "priv-env"


def test_owner_side_security_groups_replace_the_environments(network: Network, ec2: Any) -> None:
    """Shared-VPC owner: ENDPOINT_SECURITY_GROUP_IDS puts the owner's groups on the endpoints it creates."""
    owner_group = ec2.create_security_group(GroupName=f"owner-endpoints-{service_name()[-8:]}",
                                            Description="MWAA endpoints", VpcId=network.vpc_id)["GroupId"]
    settings = handler.Settings.from_env({"AWS_REGION": REGION, "ENDPOINT_SECURITY_GROUP_IDS": f" {owner_group} ,"})
    assert settings.endpoint_security_groups == (owner_group,)
    database = service_name()
    outcome = handler.process(make_event("owner-sg", network, database=database, access_mode="PUBLIC_ONLY"), settings)
    assert outcome.action == "reconciled"
    [db] = endpoints_for(ec2, network.vpc_id, database)
    assert [g["GroupId"] for g in db["Groups"]] == [owner_group]


def test_the_lambda_entry_point_reads_its_settings_from_the_environment(
        network: Network, ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    database = service_name()
    event = make_event("entry-env", network, database=database)
    monkeypatch.setattr(logging.getLogger(), "level", logging.getLogger().level)  # handler() sets the root level
    monkeypatch.setenv("ALLOWED_ACCOUNT_IDS", "210987654321")
    assert handler.handler(event, None)["action"] == "rejected"
    monkeypatch.setenv("ALLOWED_ACCOUNT_IDS", f"210987654321, {ACCOUNT}")
    monkeypatch.setenv("ALLOWED_VPC_IDS", network.vpc_id)
    result = handler.handler(event, None)
    assert result["action"] == "reconciled"
    assert json.loads(json.dumps(result)) == result  # what Lambda returns must serialise
    assert len(endpoints_for(ec2, network.vpc_id, database)) == 1


def test_same_event_three_times_gives_one_endpoint_per_service(
        network: Network, ec2: Any, settings: handler.Settings, aws_requests: list[Call]) -> None:
    database, webserver = service_name(), service_name()
    event = make_event("thrice", network, database=database, webserver=webserver, access_mode="PRIVATE_ONLY")
    outcomes = [handler.process(event, settings) for _ in range(3)]
    assert len(endpoints_for(ec2, network.vpc_id, database)) == 1
    assert len(endpoints_for(ec2, network.vpc_id, webserver)) == 1
    assert len(outcomes[0].created) == 2
    assert outcomes[1].created == [] and outcomes[2].created == []
    assert outcomes[0].endpoints == outcomes[1].endpoints == outcomes[2].endpoints
    creates = [c for c in aws_requests if c.operation == "CreateVpcEndpoint"]
    assert len(creates) == 2
    change = events.parse(event, REGION)
    assert {c.params["ClientToken"] for c in creates} == {
        vpc_endpoints.client_token(change, network.vpc_id, database),
        vpc_endpoints.client_token(change, network.vpc_id, webserver)}


def test_an_endpoint_made_by_hand_is_adopted_not_duplicated_and_never_deleted(
        network: Network, ec2: Any, settings: handler.Settings) -> None:
    database = service_name()
    manual = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=network.vpc_id, ServiceName=database,
                                     SubnetIds=network.subnet_ids)["VpcEndpoint"]["VpcEndpointId"]
    outcome = handler.process(make_event("adopt", network, database=database), settings)
    assert outcome.endpoints == {"database": manual} and outcome.created == []
    cleaned = handler.process(make_event("adopt", network, status="DELETED"), settings)
    assert cleaned.deleted == []
    assert [e["VpcEndpointId"] for e in endpoints_for(ec2, network.vpc_id, database)] == [manual]


@pytest.mark.parametrize("mutate", [
    lambda e: {k: v for k, v in e.items() if k != "detail"},
    lambda e: {**e, "source": "aws.ec2"},
    lambda e: {**e, "detail-type": "Something Else"},
    lambda e: {**e, "region": "eu-west-1"},
    lambda e: {**e, "detail": {**e["detail"], "databaseVpcEndpointService": "not-a-service"}},
    lambda e: "not even an object",
], ids=["missing-detail", "wrong-source", "wrong-detail-type", "other-region", "bad-service", "not-an-object"])
def test_malformed_events_are_rejected_without_any_aws_call(
        mutate: Any, network: Network, ec2: Any, settings: handler.Settings, aws_requests: list[Call],
        caplog: pytest.LogCaptureFixture) -> None:
    database = service_name()
    outcome = handler.process(mutate(make_event("malformed", network, database=database)), settings)
    assert outcome.action == "rejected" and outcome.reason
    assert aws_requests == []
    assert endpoints_for(ec2, network.vpc_id, database) == []
    assert any("event rejected" in r.getMessage() and outcome.reason in r.getMessage() for r in caplog.records)


def test_unknown_subnets_are_rejected_before_any_change(
        network: Network, ec2: Any, settings: handler.Settings, aws_requests: list[Call]) -> None:
    database = service_name()
    ghost = Network(network.vpc_id, ["subnet-00000000000000001", "subnet-00000000000000002"],
                    network.security_group_id)
    outcome = handler.process(make_event("ghost", ghost, database=database), settings)
    assert outcome.action == "rejected"
    assert "subnets not found" in (outcome.reason or "")
    assert operations(aws_requests) == ["DescribeSubnets"]
    assert endpoints_for(ec2, network.vpc_id, database) == []


def test_subnets_of_two_vpcs_are_rejected(network: Network, ec2: Any, settings: handler.Settings,
                                          aws_requests: list[Call]) -> None:
    other = ec2.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
    stray = ec2.create_subnet(VpcId=other, CidrBlock="172.31.1.0/24")["Subnet"]["SubnetId"]
    mixed = Network(network.vpc_id, [network.subnet_ids[0], stray], network.security_group_id)
    outcome = handler.process(make_event("mixed", mixed, database=service_name()), settings)
    assert outcome.action == "rejected" and "span 2 VPCs" in (outcome.reason or "")
    assert not set(operations(aws_requests)) & MUTATING


def test_a_vpc_outside_the_allowed_list_is_rejected(network: Network, ec2: Any, aws_requests: list[Call]) -> None:
    database = service_name()
    settings = handler.Settings(REGION, (), ("vpc-0000000000000000a",))
    outcome = handler.process(make_event("fenced", network, database=database), settings)
    assert outcome.action == "rejected" and network.vpc_id in (outcome.reason or "")
    assert not set(operations(aws_requests)) & MUTATING
    assert endpoints_for(ec2, network.vpc_id, database) == []


def test_restrictive_sqs_policy_admits_the_celery_queue_once(network: Network, ec2: Any,
                                                             settings: handler.Settings) -> None:
    sqs = sqs_endpoint(ec2, network, RESTRICTIVE)
    queue = queue_arn("restrict")
    event = make_event("sqs-restrict", network, database=service_name(), queue=queue)
    first = handler.process(event, settings)
    assert first.sqs_policies == {sqs: "admitted"}
    policy = policy_of(ec2, sqs)
    assert policy["Statement"][0] == RESTRICTIVE["Statement"][0]
    [added] = [s for s in policy["Statement"] if s.get("Resource") == queue]
    assert set(added["Action"]) == set(sqs_policy.CELERY_ACTIONS)
    second = handler.process(event, settings)
    assert second.sqs_policies == {sqs: "unchanged"}
    assert policy_of(ec2, sqs) == policy


@pytest.mark.parametrize("policy", [None, {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]}], ids=["default", "sqs-star"])
def test_open_sqs_policy_is_left_alone(policy: dict[str, Any] | None, network: Network, ec2: Any,
                                       settings: handler.Settings, aws_requests: list[Call]) -> None:
    sqs = sqs_endpoint(ec2, network, policy)
    before = policy_of(ec2, sqs)
    outcome = handler.process(make_event("sqs-open", network, database=service_name(), queue=queue_arn("o")),
                              settings)
    assert outcome.sqs_policies == {sqs: "open"}
    assert policy_of(ec2, sqs) == before
    assert "ModifyVpcEndpoint" not in operations(aws_requests)


def test_deleted_removes_what_it_created_and_revokes_the_queue(network: Network, ec2: Any,
                                                               settings: handler.Settings) -> None:
    sqs = sqs_endpoint(ec2, network, RESTRICTIVE)
    database, webserver, queue = service_name(), service_name(), queue_arn("del")
    event = make_event("to-delete", network, database=database, webserver=webserver,
                       access_mode="PRIVATE_ONLY", queue=queue)
    created = handler.process(event, settings)
    neighbour_queue = queue_arn("n")
    other = handler.process(make_event("neighbour", network, database=service_name(), queue=neighbour_queue),
                            settings)
    assert sqs_policy.admitted(policy_of(ec2, sqs), queue)

    # MWAA's DELETED event need not repeat the queue: the database endpoint's tag remembers it
    gone = make_event("to-delete", network, status="DELETED")
    cleaned = handler.process(gone, settings)
    assert cleaned.action == "cleaned"
    assert sorted(cleaned.deleted) == sorted(created.endpoints.values())
    assert endpoints_for(ec2, network.vpc_id, database) == []
    assert endpoints_for(ec2, network.vpc_id, webserver) == []
    assert cleaned.sqs_policies == {sqs: "revoked"}
    after = policy_of(ec2, sqs)
    assert not sqs_policy.admitted(after, queue)
    assert sqs_policy.admitted(after, neighbour_queue)
    assert [e["VpcEndpointId"] for e in endpoints_for(ec2, network.vpc_id, f"com.amazonaws.{REGION}.sqs")] == [sqs]
    [neighbour_db] = other.endpoints.values()
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[neighbour_db])["VpcEndpoints"][0]["State"] == "available"

    again = handler.process(gone, settings)
    assert again.deleted == [] and again.action == "cleaned"


def test_deleted_in_another_account_leaves_our_endpoints_alone(network: Network, ec2: Any,
                                                               settings: handler.Settings) -> None:
    database = service_name()
    handler.process(make_event("same-name", network, database=database), settings)
    cleaned = handler.process(make_event("same-name", None, status="DELETED", account="210987654321"), settings)
    assert cleaned.deleted == []
    assert len(endpoints_for(ec2, network.vpc_id, database)) == 1


def test_statuses_other_than_pending_and_deleted_are_ignored_without_aws_calls(
        network: Network, settings: handler.Settings, aws_requests: list[Call]) -> None:
    outcome = handler.process(make_event("busy", network, status="UPDATING", database=service_name()), settings)
    assert outcome.action == "ignored"
    assert aws_requests == []


def test_deleted_service_managed_environments_are_ignored_without_aws_calls(
        settings: handler.Settings, aws_requests: list[Call]) -> None:
    event = make_event("service-env", None, status="DELETED")
    event["detail"]["endpointManagement"] = "SERVICE"
    outcome = handler.process(event, settings)
    assert outcome.action == "ignored" and "SERVICE" in (outcome.reason or "")
    assert aws_requests == []


@pytest.mark.parametrize("queue", [
    f"arn:aws:sqs:{REGION}:{ACCOUNT}:attacker-drop-box",
    f"arn:aws:sqs:eu-west-1:{ACCOUNT}:airflow-celery-lookalike",
    f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/attacker-drop-box",
], ids=["foreign-name", "foreign-region", "foreign-name-url"])
def test_a_foreign_queue_is_rejected_before_any_aws_call(queue: str, network: Network, ec2: Any,
                                                         settings: handler.Settings,
                                                         aws_requests: list[Call]) -> None:
    """Review finding: a queue that is not MWAA's airflow-celery-* queue must never enter an endpoint policy."""
    sqs = sqs_endpoint(ec2, network, RESTRICTIVE)
    before = policy_of(ec2, sqs)
    database = service_name()
    outcome = handler.process(make_event("foreign-queue", network, database=database, queue=queue), settings)
    assert outcome.action == "rejected" and "celeryExecutorQueue" in (outcome.reason or "")
    assert aws_requests == []
    assert policy_of(ec2, sqs) == before
    assert endpoints_for(ec2, network.vpc_id, database) == []
