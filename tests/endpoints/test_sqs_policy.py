"""SQS endpoint policy edits: open policies are left alone; admit/revoke are exact and idempotent."""

from __future__ import annotations

import json

import pytest

from mwaa_platform.endpoints import sqs_policy

QUEUE = "arn:aws:sqs:us-east-1:999999999999:airflow-celery-abc"
OTHER = "arn:aws:sqs:us-east-1:999999999999:airflow-celery-def"
RESTRICTIVE = {"Version": "2012-10-17", "Statement": [{
    "Sid": "OnlyOurQueues", "Effect": "Allow", "Principal": "*", "Action": "sqs:*",
    "Resource": "arn:aws:sqs:us-east-1:123456789012:app-*"}]}


@pytest.mark.parametrize("policy", [
    sqs_policy.parse(None),
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
    {"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["sqs:*"], "Resource": ["*"]}},
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "SQS:*", "Resource": "*"}]},
])
def test_open_policies_are_recognised_and_left_alone(policy: dict) -> None:
    assert sqs_policy.is_open(policy)
    assert sqs_policy.admit(policy, QUEUE) is None


@pytest.mark.parametrize("policy", [
    RESTRICTIVE,
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}}]},
    {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "*", "Resource": "*"}]},
    {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]},
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]},
])
def test_restrictive_policies_are_recognised(policy: dict) -> None:
    assert not sqs_policy.is_open(policy)


def test_admit_adds_one_statement_for_the_queue_and_is_idempotent() -> None:
    admitted = sqs_policy.admit(RESTRICTIVE, QUEUE)
    assert admitted is not None
    assert admitted["Statement"][0] == RESTRICTIVE["Statement"][0]
    added = admitted["Statement"][1]
    assert added["Resource"] == QUEUE
    assert set(added["Action"]) == set(sqs_policy.CELERY_ACTIONS)
    assert added["Sid"].isalnum()
    assert sqs_policy.admit(admitted, QUEUE) is None
    both = sqs_policy.admit(admitted, OTHER)
    assert both is not None and len(both["Statement"]) == 3


def test_revoke_removes_exactly_what_admit_added() -> None:
    both = sqs_policy.admit(sqs_policy.admit(RESTRICTIVE, QUEUE) or {}, OTHER) or {}
    revoked = sqs_policy.revoke(both, QUEUE)
    assert revoked is not None
    assert not sqs_policy.admitted(revoked, QUEUE)
    assert sqs_policy.admitted(revoked, OTHER)
    assert sqs_policy.revoke(revoked, QUEUE) is None
    assert sqs_policy.revoke(sqs_policy.revoke(revoked, OTHER) or {}, OTHER) is None
    assert sqs_policy.revoke(revoked, OTHER) == {**RESTRICTIVE, "Statement": RESTRICTIVE["Statement"]}


def test_admit_refuses_to_exceed_the_policy_size_limit() -> None:
    big = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                          "Resource": [f"arn:aws:sqs:us-east-1:123456789012:q{i:05d}" for i in range(450)]}]}
    assert len(json.dumps(big)) < sqs_policy.MAX_POLICY_CHARS
    with pytest.raises(sqs_policy.PolicyTooLargeError):
        sqs_policy.admit(big, QUEUE)
