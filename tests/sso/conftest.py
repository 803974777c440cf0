"""Fixtures for the SSO tests: signing keys, a local ALB key endpoint, the authorization table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest

from sso.albtokens import KeyServer, SigningKey, key_server


@pytest.fixture
def keys() -> Iterator[KeyServer]:
    with key_server() as server:
        yield server


@pytest.fixture
def signing_key(keys: KeyServer) -> SigningKey:
    return keys.add(SigningKey())


def create_table(name: str) -> None:
    """The table exactly as modules/sso-alb declares it (keys, index, on-demand)."""
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "principal", "AttributeType": "S"},
                              {"AttributeName": "environment", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "principal", "KeyType": "HASH"},
                   {"AttributeName": "environment", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-environment",
                                 "KeySchema": [{"AttributeName": "environment", "KeyType": "HASH"},
                                               {"AttributeName": "principal", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})


@pytest.fixture
def table_name(aws_env: dict[str, str]) -> str:
    name = f"sso-test-{uuid.uuid4().hex[:8]}"
    create_table(name)
    return name
