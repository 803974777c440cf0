"""EC2 lookups and changes for MWAA's customer-managed endpoints.

Idempotency rests on two things: before creating, look for a live endpoint to the same service in the same
VPC (a redelivered event finds the one made the first time, or one an operator made by hand); and every
create carries a client token derived from account, environment, VPC and service, so two concurrent
deliveries of one event still yield one endpoint on real AWS. What this automation creates is tagged, and
only tagged endpoints are ever deleted.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mwaa_platform.endpoints import retry
from mwaa_platform.endpoints.events import RejectedEvent, StatusChange

log = logging.getLogger(__name__)

TAG_ENVIRONMENT = "mwaa-platform:environment"
TAG_ACCOUNT = "mwaa-platform:account"
TAG_MANAGED_BY = "mwaa-platform:managed-by"
TAG_PURPOSE = "mwaa-platform:purpose"
TAG_QUEUE = "mwaa-platform:celery-queue"
MANAGED_BY = "endpoint-automation"
# States of an endpoint that exists or is coming into existence (deleted ones stay listed for a while).
LIVE_STATES = frozenset({"pendingacceptance", "pending", "available", "modifying", "partial"})


@dataclass(frozen=True)
class Endpoint:
    id: str
    service: str
    vpc_id: str
    created: bool  # made by this call (False: it was there already)
    managed: bool  # tagged as ours (False: somebody else's, never deleted by us)


def client_token(change: StatusChange, vpc_id: str, service: str) -> str:
    digest = hashlib.sha256(f"{change.account}/{change.name}/{vpc_id}/{service}".encode()).hexdigest()
    return f"mwaa-{digest[:48]}"


def _tags(endpoint: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in endpoint.get("Tags") or []}


def is_managed(endpoint: dict[str, Any]) -> bool:
    return _tags(endpoint).get(TAG_MANAGED_BY) == MANAGED_BY


def _live(endpoints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in endpoints if str(e.get("State", "")).lower() in LIVE_STATES]


def _describe(ec2: Any, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Filters": filters}
        if token:
            kwargs["NextToken"] = token
        page = retry.call("DescribeVpcEndpoints", ec2.describe_vpc_endpoints, **kwargs)
        found.extend(page.get("VpcEndpoints", []))
        token = page.get("NextToken")
        if not token:
            return found


def vpc_of(ec2: Any, subnet_ids: tuple[str, ...]) -> str:
    """The one VPC that holds all ``subnet_ids``; unknown subnets or several VPCs reject the event."""
    try:
        subnets = retry.call("DescribeSubnets", ec2.describe_subnets, SubnetIds=list(subnet_ids))["Subnets"]
    except ClientError as exc:
        if retry.error_code(exc) in {"InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed"}:
            raise RejectedEvent(f"subnets not found in this account/region: {', '.join(subnet_ids)}") from None
        raise
    if len(subnets) != len(subnet_ids):
        raise RejectedEvent(f"only {len(subnets)} of {len(subnet_ids)} subnets exist")
    vpcs = {s["VpcId"] for s in subnets}
    if len(vpcs) != 1:
        raise RejectedEvent(f"subnets span {len(vpcs)} VPCs; an MWAA environment lives in one")
    return vpcs.pop()


def live_endpoints(ec2: Any, vpc_id: str, service: str) -> list[dict[str, Any]]:
    return _live(_describe(ec2, [{"Name": "vpc-id", "Values": [vpc_id]},
                                 {"Name": "service-name", "Values": [service]}]))


def ensure(ec2: Any, change: StatusChange, vpc_id: str, service: str, purpose: str) -> Endpoint:
    """An interface endpoint to ``service`` in ``vpc_id``: the existing one, or a new tagged one."""
    existing = live_endpoints(ec2, vpc_id, service)
    if existing:
        chosen = sorted(existing, key=lambda e: (not is_managed(e), e["VpcEndpointId"]))[0]
        log.info("endpoint for %s (%s) already exists: %s", change.name, purpose, chosen["VpcEndpointId"])
        return Endpoint(chosen["VpcEndpointId"], service, vpc_id, created=False, managed=is_managed(chosen))
    tags = [
        {"Key": "Name", "Value": f"{change.name}-{purpose}"[:255]},
        {"Key": TAG_ENVIRONMENT, "Value": change.name},
        {"Key": TAG_ACCOUNT, "Value": change.account},
        {"Key": TAG_MANAGED_BY, "Value": MANAGED_BY},
        {"Key": TAG_PURPOSE, "Value": purpose},
    ]
    if change.celery_queue_arn and purpose == "database":
        tags.append({"Key": TAG_QUEUE, "Value": change.celery_queue_arn})
    created = retry.call(
        "CreateVpcEndpoint", ec2.create_vpc_endpoint,
        VpcEndpointType="Interface",
        VpcId=vpc_id,
        ServiceName=service,
        SubnetIds=list(change.subnet_ids),
        SecurityGroupIds=list(change.security_group_ids),
        # MWAA's endpoint services publish no private DNS name; the environment resolves the endpoint itself.
        PrivateDnsEnabled=False,
        ClientToken=client_token(change, vpc_id, service),
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tags}],
    )["VpcEndpoint"]
    log.info("created %s endpoint %s for %s in %s", purpose, created["VpcEndpointId"], change.name, vpc_id)
    return Endpoint(created["VpcEndpointId"], service, vpc_id, created=True, managed=True)


def managed_endpoints(ec2: Any, change: StatusChange) -> list[dict[str, Any]]:
    """Live endpoints this automation created for ``change``'s environment (same account and name)."""
    return _live(_describe(ec2, [
        {"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY]},
        {"Name": f"tag:{TAG_ENVIRONMENT}", "Values": [change.name]},
        {"Name": f"tag:{TAG_ACCOUNT}", "Values": [change.account]},
    ]))


def queues_recorded(endpoints: list[dict[str, Any]]) -> set[str]:
    return {q for e in endpoints if (q := _tags(e).get(TAG_QUEUE))}


def delete(ec2: Any, endpoint_ids: list[str]) -> list[str]:
    """Delete endpoints; returns the ids EC2 reported as failed (already-gone ones count as deleted)."""
    if not endpoint_ids:
        return []
    response = retry.call("DeleteVpcEndpoints", ec2.delete_vpc_endpoints, VpcEndpointIds=endpoint_ids)
    failed = []
    for item in response.get("Unsuccessful", []):
        code = item.get("Error", {}).get("Code", "")
        if code != "InvalidVpcEndpoint.NotFound":
            failed.append(item.get("ResourceId", "?"))
    return failed
