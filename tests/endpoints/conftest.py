"""Fixtures for the endpoint automation: a VPC in the session emulator, settings, a request recorder."""

from __future__ import annotations

import secrets
from typing import Any

import boto3
import pytest
from endpoint_helpers import REGION, Call, Network

from mwaa_platform import aws
from mwaa_platform.endpoints import handler


@pytest.fixture
def ec2(aws_env: dict[str, str]) -> Any:
    """The test's own EC2 client (not recorded), for arranging and asserting."""
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def network(ec2: Any) -> Network:
    """A fresh VPC with two private subnets and a security group."""
    second = secrets.randbelow(250) + 1
    vpc = ec2.create_vpc(CidrBlock=f"10.{second}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{second}.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
        ["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    sg = ec2.create_security_group(GroupName=f"mwaa-{secrets.token_hex(4)}", Description="mwaa", VpcId=vpc)
    return Network(vpc, subnets, sg["GroupId"])


@pytest.fixture
def settings(aws_env: dict[str, str]) -> handler.Settings:
    return handler.Settings(REGION, (), ())


@pytest.fixture
def aws_requests(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every AWS request made through mwaa_platform.aws (the code under test), in order."""
    calls: list[Call] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append(Call(model.name, dict(params)))

    original = aws.client

    def recording_client(*args: Any, **kwargs: Any) -> Any:
        made = original(*args, **kwargs)
        made.meta.events.register("provide-client-params", record)
        return made

    monkeypatch.setattr(aws, "client", recording_client)
    return calls
