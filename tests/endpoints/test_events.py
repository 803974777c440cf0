"""Event validation: what the handler accepts and the reason it gives for everything else (no AWS)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from endpoint_helpers import ACCOUNT, REGION, Network, make_event, service_name

from mwaa_platform.endpoints import events

NET = Network("vpc-0123456789abcdef0", ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
              "sg-0123456789abcdef0")


def pending(**kwargs: Any) -> dict[str, Any]:
    return make_event("dev-env", NET, database=service_name(), **kwargs)


def test_pending_public_only_parses() -> None:
    event = pending(queue=f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-abc")
    change = events.parse(event, REGION)
    assert change.name == "dev-env"
    assert change.status == "PENDING"
    assert change.account == ACCOUNT
    assert change.subnet_ids == tuple(NET.subnet_ids)
    assert change.security_group_ids == (NET.security_group_id,)
    assert change.database_service == event["detail"]["databaseVpcEndpointService"]
    assert change.celery_queue_arn == event["detail"]["celeryExecutorQueue"]
    assert not change.wants_webserver_endpoint


def test_pending_private_only_needs_webserver_service() -> None:
    with pytest.raises(events.RejectedEvent, match="webserverVpcEndpointService"):
        events.parse(pending(access_mode="PRIVATE_ONLY"), REGION)
    change = events.parse(pending(access_mode="PRIVATE_ONLY", webserver=service_name()), REGION)
    assert change.wants_webserver_endpoint


def test_pascal_case_detail_is_accepted() -> None:
    event = pending()
    detail = event["detail"]
    event["detail"] = {
        "Name": detail["name"], "Status": detail["status"], "WebserverAccessMode": "PUBLIC_ONLY",
        "DatabaseVpcEndpointService": detail["databaseVpcEndpointService"],
        "NetworkConfiguration": {"SubnetIds": NET.subnet_ids, "SecurityGroupIds": [NET.security_group_id]},
    }
    assert events.parse(event, REGION).database_service == detail["databaseVpcEndpointService"]


def _without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    target = event
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return event


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda e: _without(e, "detail"), "no detail"),
    (lambda e: {**e, "detail": {}}, "no detail"),
    (lambda e: {**e, "source": "aws.ec2"}, "source is 'aws.ec2'"),
    (lambda e: {**e, "source": "my.app"}, "expected 'aws.airflow'"),
    (lambda e: {**e, "detail-type": "EC2 Instance State-change Notification"}, "detail-type"),
    (lambda e: {**e, "account": "12345"}, "12-digit"),
    (lambda e: {**e, "region": "eu-west-1"}, "serves us-east-1"),
    (lambda e: _without(e, "detail", "name"), "detail.name"),
    (lambda e: {**e, "detail": {**e["detail"], "name": "1-starts-with-digit"}}, "detail.name"),
    (lambda e: _without(e, "detail", "networkConfiguration"), "networkConfiguration is missing"),
    (lambda e: {**e, "detail": {**e["detail"], "networkConfiguration": {"subnetIds": ["subnet-xyz"],
                                                                       "securityGroupIds": ["sg-0123456789"]}}},
     "malformed ids"),
    (lambda e: {**e, "detail": {**e["detail"], "networkConfiguration": {
        "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
        "securityGroupIds": ["sg-0123456789abcdef0"]}}}, "at most 2"),
    (lambda e: _without(e, "detail", "databaseVpcEndpointService"), "databaseVpcEndpointService is missing"),
    (lambda e: {**e, "detail": {**e["detail"], "databaseVpcEndpointService": "com.amazonaws.us-east-1.s3"}},
     "not an endpoint service name"),
    (lambda e: {**e, "detail": {**e["detail"],
                                "databaseVpcEndpointService": service_name("eu-west-1")}},
     "not an endpoint service name of us-east-1"),
    (lambda e: {**e, "detail": {**e["detail"], "celeryExecutorQueue": "arn:aws:sns:us-east-1:1:topic"}},
     "celeryExecutorQueue"),
    (lambda e: {**e, "detail": {**e["detail"], "webserverAccessMode": "PUBLIC_AND_PRIVATE"}}, "AccessMode"),
    (lambda e: {**e, "detail": {**e["detail"], "endpointManagement": "SERVICE"}}, "SERVICE"),
])
def test_malformed_or_foreign_events_are_rejected(mutate: Any, reason: str) -> None:
    with pytest.raises(events.RejectedEvent) as err:
        events.parse(mutate(pending()), REGION)
    assert reason in err.value.reason


def test_non_object_event_is_rejected() -> None:
    with pytest.raises(events.RejectedEvent, match="not a JSON object"):
        events.parse(["not", "an", "event"], REGION)


def test_foreign_account_is_rejected_when_accounts_are_listed() -> None:
    event = pending()
    assert events.parse(event, REGION, [ACCOUNT, "210987654321"]).account == ACCOUNT
    with pytest.raises(events.RejectedEvent, match="not one this automation serves"):
        events.parse(event, REGION, ["210987654321"])


def test_deleted_needs_only_the_name() -> None:
    event = make_event("gone-env", None, status="DELETED")
    del event["detail"]["webserverAccessMode"]
    change = events.parse(event, REGION)
    assert (change.status, change.subnet_ids, change.database_service) == ("DELETED", (), None)


def test_other_statuses_parse_for_the_caller_to_ignore() -> None:
    change = events.parse(pending(status="AVAILABLE"), REGION)
    assert change.status == "AVAILABLE"


def test_from_environment_round_trips_through_parse() -> None:
    environment = {
        "Arn": f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/by-hand",
        "Name": "by-hand", "Status": "PENDING", "WebserverAccessMode": "PRIVATE_ONLY",
        "EndpointManagement": "CUSTOMER", "DatabaseVpcEndpointService": service_name(),
        "WebserverVpcEndpointService": service_name(),
        "CeleryExecutorQueue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-x",
        "NetworkConfiguration": {"SubnetIds": NET.subnet_ids, "SecurityGroupIds": [NET.security_group_id]},
    }
    change = events.parse(events.from_environment(environment), REGION)
    assert (change.name, change.account, change.webserver_service) == \
        ("by-hand", ACCOUNT, environment["WebserverVpcEndpointService"])
    assert events.parse(events.from_environment(environment, "DELETED"), REGION).status == "DELETED"


def test_the_local_mwaa_event_is_accepted() -> None:
    """The embedded default's MWAA publishes this detail; the handler must accept it unchanged."""
    local_events = pytest.importorskip("mwaa_local.mwaa.events")
    arn = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/local-env"
    record = {
        "Name": "local-env", "Arn": arn, "Status": "PENDING", "EnvironmentClass": "mw1.small",
        "AirflowVersion": "2.10.3", "EndpointManagement": "CUSTOMER", "WebserverAccessMode": "PRIVATE_ONLY",
        "CeleryExecutorQueue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        "NetworkConfiguration": {"SubnetIds": NET.subnet_ids, "SecurityGroupIds": [NET.security_group_id]},
        "DatabaseVpcEndpointService": service_name(), "WebserverVpcEndpointService": service_name(),
    }
    entry = local_events.entry(record, "CREATING")
    event = {"source": entry["Source"], "detail-type": entry["DetailType"], "account": ACCOUNT, "region": REGION,
             "resources": entry["Resources"], "detail": json.loads(entry["Detail"])}
    change = events.parse(event, REGION)
    assert (change.name, change.status, change.access_mode) == ("local-env", "PENDING", "PRIVATE_ONLY")
    assert change.database_service == record["DatabaseVpcEndpointService"]
    assert change.webserver_service == record["WebserverVpcEndpointService"]
    assert change.celery_queue_arn == record["CeleryExecutorQueue"]
    assert change.subnet_ids == tuple(NET.subnet_ids)


FOREIGN = "210987654321"


@pytest.mark.parametrize(("queue", "reason"), [
    (f"arn:aws:sqs:{REGION}:{ACCOUNT}:exfiltration", "not an MWAA Celery queue"),
    (f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-", "not an MWAA Celery queue"),
    (f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-*", "not an MWAA Celery queue"),
    (f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-{'a' * 66}", "not an MWAA Celery queue"),
    (f"arn:aws:sqs:{REGION}:*:airflow-celery-abc", "12-digit account"),
    (f"arn:aws:sqs:eu-west-1:{ACCOUNT}:airflow-celery-abc", f"not a queue of region {REGION}"),
    (f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/someone-elses-queue", "not an MWAA Celery queue"),
    (f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/airflow-celery-abc", "not a queue of region"),
    (f"https://sqs.{REGION}.evil.example/{ACCOUNT}/airflow-celery-abc", "not an SQS queue ARN or URL"),
    (f"arn:aws:sns:{REGION}:{ACCOUNT}:airflow-celery-abc", "not an SQS queue ARN or URL"),
])
def test_only_mwaas_celery_queue_of_the_events_region_is_admitted(queue: str, reason: str) -> None:
    """Review finding: any SQS queue named in the event went into the restrictive endpoint policies."""
    with pytest.raises(events.RejectedEvent) as err:
        events.parse(pending(queue=queue), REGION)
    assert reason in err.value.reason


@pytest.mark.parametrize("queue", [
    f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/airflow-celery-0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    f"https://{REGION}.queue.amazonaws.com/{ACCOUNT}/airflow-celery-0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
])
def test_celery_queue_urls_and_arns_become_the_queue_arn(queue: str) -> None:
    change = events.parse(pending(queue=queue), REGION)
    assert change.celery_queue_arn == \
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"


def test_mwaas_queue_account_passes_unless_the_operator_lists_the_queue_accounts() -> None:
    """In real AWS the queue lives in an account MWAA owns: it passes by default, and a list narrows it."""
    event = pending(queue=f"arn:aws:sqs:{REGION}:{FOREIGN}:airflow-celery-abc")
    assert events.parse(event, REGION).celery_queue_arn == f"arn:aws:sqs:{REGION}:{FOREIGN}:airflow-celery-abc"
    assert events.parse(event, REGION, queue_accounts=[FOREIGN]).celery_queue_arn == \
        f"arn:aws:sqs:{REGION}:{FOREIGN}:airflow-celery-abc"
    with pytest.raises(events.RejectedEvent) as err:
        events.parse(event, REGION, queue_accounts=["111111111111"])
    assert f"in account {FOREIGN}, neither the event's account" in err.value.reason
    url = pending(queue=f"https://sqs.{REGION}.amazonaws.com/{FOREIGN}/airflow-celery-abc")
    with pytest.raises(events.RejectedEvent):
        events.parse(url, REGION, queue_accounts=["111111111111"])
