"""tests/upgrade reuses the local MWAA session service and its fixtures from tests/local_mwaa (one service per
session, environments opt into real Airflow with a tag), plus an upgrade state table in the emulator."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path

import boto3
import pytest

_LOCAL_MWAA_TESTS = Path(__file__).resolve().parents[1] / "local_mwaa"
if str(_LOCAL_MWAA_TESTS) not in sys.path:
    sys.path.append(str(_LOCAL_MWAA_TESTS))

_spec = importlib.util.spec_from_file_location("local_mwaa_fixtures", _LOCAL_MWAA_TESTS / "conftest.py")
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
mwaa_vars = _fixtures.mwaa_vars
mwaa = _fixtures.mwaa
infra = _fixtures.infra
status_events = _fixtures.status_events


@pytest.fixture
def state_table(mwaa_vars: dict[str, str]) -> str:
    """A DynamoDB table shaped like the failover state table (partition key ``env``)."""
    name = f"upgrade-state-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                          KeySchema=[{"AttributeName": "env", "KeyType": "HASH"}],
                                          AttributeDefinitions=[{"AttributeName": "env", "AttributeType": "S"}])
    return name

