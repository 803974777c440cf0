"""The two flows: PENDING creates what the environment waits for, DELETED removes what we created.

PENDING: VPC from the subnets -> database endpoint (and webserver endpoint for PRIVATE_ONLY) -> the Celery
queue admitted into every restrictive SQS interface endpoint policy of that VPC. DELETED: the queue revoked
from those policies -> our tagged endpoints deleted. Both are idempotent: running them again changes
nothing. Rejections (unknown subnets, a VPC outside the allowed list) happen before any change.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from mwaa_platform.endpoints import retry, sqs_policy, vpc_endpoints
from mwaa_platform.endpoints.events import DELETED, PENDING, RejectedEvent, StatusChange

log = logging.getLogger(__name__)

POLICY_WRITE_ATTEMPTS = 3


@dataclass
class Outcome:
    action: str  # reconciled | cleaned | ignored | rejected
    environment: str | None = None
    account: str | None = None
    vpc_id: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)  # purpose -> endpoint id
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    sqs_policies: dict[str, str] = field(default_factory=dict)  # endpoint id -> admitted|revoked|open|unchanged
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sqs_service(region: str) -> list[str]:
    return [f"com.amazonaws.{region}.sqs", f"com.amazonaws.{region}.sqs-fips"]


def _sqs_endpoints(ec2: Any, vpc_id: str, region: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for service in sqs_service(region):
        found.extend(vpc_endpoints.live_endpoints(ec2, vpc_id, service))
    return found


def _rewrite_policy(ec2: Any, endpoint_id: str,
                    change: Callable[[dict[str, Any]], dict[str, Any] | None],
                    applied: Callable[[dict[str, Any]], bool]) -> str:
    """Read-modify-write one endpoint policy, re-reading to confirm (another writer may race us)."""
    for _attempt in range(POLICY_WRITE_ATTEMPTS):
        current = retry.call("DescribeVpcEndpoints", ec2.describe_vpc_endpoints, VpcEndpointIds=[endpoint_id])
        endpoints = current.get("VpcEndpoints", [])
        if not endpoints:
            return "gone"
        policy = sqs_policy.parse(endpoints[0].get("PolicyDocument"))
        if sqs_policy.is_open(policy):
            return "open"
        updated = change(policy)
        if updated is None:
            return "unchanged"
        try:
            retry.call("ModifyVpcEndpoint", ec2.modify_vpc_endpoint, VpcEndpointId=endpoint_id,
                       PolicyDocument=json.dumps(updated))
        except ClientError as exc:
            if retry.error_code(exc) == "InvalidVpcEndpointId.NotFound":
                return "gone"
            raise
        check = retry.call("DescribeVpcEndpoints", ec2.describe_vpc_endpoints, VpcEndpointIds=[endpoint_id])
        written = check.get("VpcEndpoints", [])
        if written and applied(sqs_policy.parse(written[0].get("PolicyDocument"))):
            return "changed"
        log.warning("policy of %s changed under us; retrying", endpoint_id)
    raise RuntimeError(f"could not update the policy of {endpoint_id} after {POLICY_WRITE_ATTEMPTS} attempts")


def _admit_queue(ec2: Any, vpc_id: str, region: str, queue_arn: str) -> dict[str, str]:
    results: dict[str, str] = {}
    for endpoint in _sqs_endpoints(ec2, vpc_id, region):
        result = _rewrite_policy(ec2, endpoint["VpcEndpointId"],
                                 lambda p: sqs_policy.admit(p, queue_arn),
                                 lambda p: sqs_policy.admitted(p, queue_arn))
        results[endpoint["VpcEndpointId"]] = "admitted" if result == "changed" else result
    return results


def _revoke(policy: dict[str, Any], queue_arn: str) -> dict[str, Any] | None:
    return sqs_policy.revoke(policy, queue_arn)


def _not_admitted(policy: dict[str, Any], queue_arn: str) -> bool:
    return not sqs_policy.admitted(policy, queue_arn)


def _revoke_queues(ec2: Any, vpc_id: str, region: str, queue_arns: Iterable[str]) -> dict[str, str]:
    results: dict[str, str] = {}
    for endpoint in _sqs_endpoints(ec2, vpc_id, region):
        for queue_arn in sorted(queue_arns):
            result = _rewrite_policy(ec2, endpoint["VpcEndpointId"],
                                     functools.partial(_revoke, queue_arn=queue_arn),
                                     functools.partial(_not_admitted, queue_arn=queue_arn))
            if result == "changed" or endpoint["VpcEndpointId"] not in results:
                results[endpoint["VpcEndpointId"]] = "revoked" if result == "changed" else result
    return results


def pending(ec2: Any, change: StatusChange, allowed_vpcs: Iterable[str] = ()) -> Outcome:
    vpc_id = vpc_endpoints.vpc_of(ec2, change.subnet_ids)
    allowed = set(allowed_vpcs)
    if allowed and vpc_id not in allowed:
        raise RejectedEvent(f"VPC {vpc_id} is not one this automation may change")
    outcome = Outcome("reconciled", change.name, change.account, vpc_id)
    wanted = [("database", change.database_service)]
    if change.wants_webserver_endpoint:
        wanted.append(("webserver", change.webserver_service))
    for purpose, service in wanted:
        if service is None:  # events.parse guarantees both for PENDING; kept for type narrowing
            raise RejectedEvent(f"no {purpose} endpoint service in the event")
        endpoint = vpc_endpoints.ensure(ec2, change, vpc_id, service, purpose)
        outcome.endpoints[purpose] = endpoint.id
        if endpoint.created:
            outcome.created.append(endpoint.id)
    if change.celery_queue_arn:
        outcome.sqs_policies = _admit_queue(ec2, vpc_id, change.region, change.celery_queue_arn)
    return outcome


def deleted(ec2: Any, change: StatusChange) -> Outcome:
    ours = vpc_endpoints.managed_endpoints(ec2, change)
    outcome = Outcome("cleaned", change.name, change.account)
    vpcs = {e["VpcId"] for e in ours}
    if not vpcs and change.subnet_ids:
        try:
            vpcs = {vpc_endpoints.vpc_of(ec2, change.subnet_ids)}
        except RejectedEvent as exc:  # the subnets may be gone with the environment: nothing to revoke then
            log.info("no VPC to clean SQS policies in for %s: %s", change.name, exc.reason)
    queues = vpc_endpoints.queues_recorded(ours)
    if change.celery_queue_arn:
        queues.add(change.celery_queue_arn)
    for vpc_id in sorted(vpcs):
        outcome.vpc_id = vpc_id
        if queues:
            outcome.sqs_policies.update(_revoke_queues(ec2, vpc_id, change.region, queues))
    ids = sorted(e["VpcEndpointId"] for e in ours)
    failed = vpc_endpoints.delete(ec2, ids)
    if failed:
        raise RuntimeError(f"EC2 could not delete endpoints {', '.join(failed)}; the event will be retried")
    outcome.deleted = ids
    for endpoint in ours:
        purpose = next((t["Value"] for t in endpoint.get("Tags", []) if t["Key"] == vpc_endpoints.TAG_PURPOSE), "?")
        outcome.endpoints[purpose] = endpoint["VpcEndpointId"]
    return outcome


def handle(ec2: Any, change: StatusChange, allowed_vpcs: Iterable[str] = ()) -> Outcome:
    if change.status == PENDING:
        return pending(ec2, change, allowed_vpcs)
    if change.status == DELETED:
        return deleted(ec2, change)
    return Outcome("ignored", change.name, change.account, reason=f"status {change.status} needs no action")
