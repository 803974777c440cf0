"""Helpers for the endpoint automation tests: MWAA-like events, emulator VPCs, endpoint lookups."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account


@dataclass
class Network:
    vpc_id: str
    subnet_ids: list[str]
    security_group_id: str


@dataclass
class Call:
    operation: str
    params: dict[str, Any]


def service_name(region: str = REGION) -> str:
    """A fresh MWAA-style endpoint service name (as MWAA reports in the event)."""
    return f"com.amazonaws.vpce.{region}.vpce-svc-{secrets.token_hex(8)}{secrets.token_hex(1)[0]}"


def queue_arn(name: str, account: str = ACCOUNT) -> str:
    """A fresh MWAA Celery queue ARN in the event's account and region (the only queues the automation admits)."""
    return f"arn:aws:sqs:{REGION}:{account}:airflow-celery-{name}-{secrets.token_hex(4)}"


def make_event(name: str, net: Network | None, status: str = "PENDING", access_mode: str = "PUBLIC_ONLY",
               database: str | None = None, webserver: str | None = None, queue: str | None = None,
               account: str = ACCOUNT) -> dict[str, Any]:
    detail: dict[str, Any] = {"name": name, "status": status, "webserverAccessMode": access_mode,
                              "endpointManagement": "CUSTOMER"}
    if net is not None:
        detail["networkConfiguration"] = {"subnetIds": net.subnet_ids, "securityGroupIds": [net.security_group_id]}
    if database:
        detail["databaseVpcEndpointService"] = database
    if webserver:
        detail["webserverVpcEndpointService"] = webserver
    if queue:
        detail["celeryExecutorQueue"] = queue
    return {
        "version": "0",
        "id": secrets.token_hex(16),
        "source": "aws.airflow",
        "detail-type": "MWAA Environment Status Change",
        "account": account,
        "region": REGION,
        "time": "2026-11-24T07:00:00Z",
        "resources": [f"arn:aws:airflow:{REGION}:{account}:environment/{name}"],
        "detail": detail,
    }


def sqs_endpoint(ec2: Any, net: Network, policy: dict[str, Any] | None) -> str:
    """An SQS interface endpoint in ``net`` with ``policy`` (None = AWS's default full-access policy)."""
    kwargs: dict[str, Any] = {}
    if policy is not None:
        kwargs["PolicyDocument"] = json.dumps(policy)
    return str(ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=net.vpc_id,
                                       ServiceName=f"com.amazonaws.{REGION}.sqs", SubnetIds=net.subnet_ids,
                                       SecurityGroupIds=[net.security_group_id], **kwargs)
               ["VpcEndpoint"]["VpcEndpointId"])


def endpoints_for(ec2: Any, vpc_id: str, service: str) -> list[dict[str, Any]]:
    """Live endpoints to ``service`` in ``vpc_id``."""
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "service-name", "Values": [service]}])["VpcEndpoints"]
    return [e for e in found if e["State"] not in {"deleted", "deleting"}]


def policy_of(ec2: Any, endpoint_id: str) -> dict[str, Any]:
    doc = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["PolicyDocument"]
    return dict(json.loads(doc))


def tfhelpers() -> Any:
    """tests/terraform/tfhelpers.py (shared Terraform runner), loaded by path under its own module name."""
    import importlib.util
    import sys
    from pathlib import Path

    if "tfhelpers" in sys.modules:
        return sys.modules["tfhelpers"]
    path = Path(__file__).resolve().parents[1] / "terraform" / "tfhelpers.py"
    spec = importlib.util.spec_from_file_location("tfhelpers", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tfhelpers"] = module
    spec.loader.exec_module(module)
    return module
