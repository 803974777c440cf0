"""Helpers for the local MWAA tests: infrastructure an environment points at, status polling."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import boto3

# The session service (tests/conftest.py local_mwaa) publishes metrics every 5 s and declares a dead scheduler
# UNAVAILABLE after 10 s; test_session_service_settings checks these copies against its options.
METRICS_PERIOD = 5.0
UNAVAILABLE_AFTER = 10.0


@dataclass
class Infra:
    """What an environment points at: VPC, two subnets in two AZs, a security group, a role, a bucket."""

    vpc_id: str
    subnet_ids: list[str]
    security_group_id: str
    role_arn: str
    bucket: str

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}"

    def params(self, name: str, **overrides: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "Name": name,
            "ExecutionRoleArn": self.role_arn,
            "SourceBucketArn": self.bucket_arn,
            "DagS3Path": "dags",
            "NetworkConfiguration": {"SubnetIds": self.subnet_ids, "SecurityGroupIds": [self.security_group_id]},
        }
        params.update(overrides)
        return params


def make_infra(prefix: str, session: boto3.session.Session | None = None) -> Infra:
    """Create the infrastructure with ``session``'s credentials (its account), default: the default account."""
    make = (session or boto3).client
    ec2, iam, s3 = make("ec2"), make("iam"), make("s3")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"us-east-1{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    group = ec2.create_security_group(GroupName=f"{prefix}-mwaa", Description="mwaa", VpcId=vpc)["GroupId"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "airflow.amazonaws.com"}}]}
    role = iam.create_role(RoleName=f"{prefix}-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    s3.create_bucket(Bucket=f"{prefix}-src")
    s3.put_bucket_versioning(Bucket=f"{prefix}-src", VersioningConfiguration={"Status": "Enabled"})
    return Infra(vpc, subnets, group, role, f"{prefix}-src")


def wait_status(client: Any, name: str, wanted: set[str], timeout: float = 120.0,
                leaving: set[str] | None = None) -> dict[str, Any]:
    """Poll GetEnvironment until the status is in ``wanted`` (fail fast on any status not in ``leaving``)."""
    deadline = time.monotonic() + timeout
    while True:
        env: dict[str, Any] = client.get_environment(Name=name)["Environment"]
        if env["Status"] in wanted:
            return env
        if leaving is not None and env["Status"] not in leaving:
            raise AssertionError(f"{name} went to {env['Status']}: {env.get('LastUpdate')}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} still {env['Status']} after {timeout}s: {env.get('LastUpdate')}")
        time.sleep(0.5)


def wait_gone(client: Any, name: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.get_environment(Name=name)
        except client.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} still exists after {timeout}s")


def statuses(events: list[dict[str, Any]], name: str) -> list[str]:
    return [e["detail"]["status"] for e in events if e["detail"]["name"] == name]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """os.environ without AWS_/proxy variables, plus ``extra``: what a subprocess should see."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
    base.update(extra)
    return base


def wait_for(what: str, check: Any, timeout: float, interval: float = 2.0) -> Any:
    """Poll ``check`` until it returns something true (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not true within {timeout}s")
        time.sleep(interval)


def delete_all(client: Any, names: Any, timeout: float = 180.0) -> None:
    """Teardown: DeleteEnvironment for each name (one already gone is skipped), then wait until all are gone."""
    from botocore.exceptions import ClientError

    for name in names:
        try:
            client.delete_environment(Name=name)
        except ClientError:
            continue
    for name in names:
        wait_gone(client, name, timeout=timeout)
