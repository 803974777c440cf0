"""The offline IAM evaluator that the access tests and the emulator fixes rely on."""

from __future__ import annotations

import pytest

from mwaa_local.policy_eval import (
    Effect,
    Request,
    UnsupportedConditionError,
    condition_block_matches,
    decide,
    evaluate,
    role_arn_of,
)

A, B, C = "111111111111", "222222222222", "333333333333"
GLUE = f"arn:aws:iam::{B}:role/etl-glue"
GLUE_SESSION = f"arn:aws:sts::{B}:assumed-role/etl-glue/GlueJobRunnerSession"
OTHER_B = f"arn:aws:iam::{B}:role/analyst"
BUCKET = "arn:aws:s3:::etl-input"
TLS = {"aws:SecureTransport": "true"}

BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [BUCKET, f"{BUCKET}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "List", "Effect": "Allow", "Principal": {"AWS": [GLUE]}, "Action": ["s3:ListBucket"],
         "Resource": BUCKET, "Condition": {"StringLike": {"s3:prefix": ["raw/*"]}}},
        {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": [GLUE]}, "Action": "s3:GetObject",
         "Resource": f"{BUCKET}/raw/*"},
    ],
}
GLUE_IDENTITY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{BUCKET}/raw/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
]}
S3_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def get(principal: str, key: str, **context: str) -> Request:
    return Request(principal, "s3:GetObject", f"{BUCKET}/{key}", {**TLS, **context})


def test_assumed_role_session_maps_to_its_role() -> None:
    assert role_arn_of(GLUE_SESSION) == GLUE
    assert role_arn_of(GLUE) == GLUE
    assert get(GLUE_SESSION, "raw/x").principal_account == B


def test_cross_account_read_needs_identity_and_bucket_policy() -> None:
    assert decide(get(GLUE_SESSION, "raw/a.csv"), [GLUE_IDENTITY], BUCKET_POLICY, A).allowed
    # identity allows everything, but the bucket policy does not name this role
    denied = decide(get(OTHER_B, "raw/a.csv"), [S3_EVERYTHING], BUCKET_POLICY, A)
    assert not denied.allowed and "resource policy" in denied.reason
    # bucket policy names the role, but its own account gave it nothing
    denied = decide(get(GLUE, "raw/a.csv"), [], BUCKET_POLICY, A)
    assert not denied.allowed and "identity policy" in denied.reason


def test_same_account_either_policy_is_enough() -> None:
    owner_role = f"arn:aws:iam::{A}:role/loader"
    assert decide(get(owner_role, "raw/a.csv"), [S3_EVERYTHING], BUCKET_POLICY, A).allowed
    assert not decide(get(owner_role, "raw/a.csv"), [], BUCKET_POLICY, A).allowed


def test_resource_outside_the_granted_prefix_is_denied() -> None:
    assert not decide(get(GLUE, "curated/a.parquet"), [GLUE_IDENTITY], BUCKET_POLICY, A).allowed


def test_explicit_deny_without_tls_beats_every_allow() -> None:
    request = Request(GLUE, "s3:GetObject", f"{BUCKET}/raw/a.csv", {"aws:SecureTransport": "false"})
    decision = decide(request, [GLUE_IDENTITY], BUCKET_POLICY, A)
    assert not decision.allowed and "explicit deny" in decision.reason


def test_list_prefix_condition() -> None:
    def listing(prefix: str) -> Request:
        return Request(GLUE, "s3:ListBucket", BUCKET, {**TLS, "s3:prefix": prefix})

    assert decide(listing("raw/dt=2026-01-01/"), [GLUE_IDENTITY], BUCKET_POLICY, A).allowed
    assert not decide(listing("secrets/"), [GLUE_IDENTITY], BUCKET_POLICY, A).allowed
    # no prefix at all (list the whole bucket): the StringLike key is missing, so the grant does not apply
    no_prefix = Request(GLUE, "s3:ListBucket", BUCKET, TLS)
    assert not decide(no_prefix, [GLUE_IDENTITY], BUCKET_POLICY, A).allowed


def test_account_root_principal_delegates_to_that_account() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
                             "Action": "sts:AssumeRole"}]}
    assume = Request(OTHER_B, "sts:AssumeRole", f"arn:aws:iam::{A}:role/x")
    assert evaluate(policy, assume, resource_policy=True) is Effect.ALLOW
    third = Request(f"arn:aws:iam::{C}:role/x", "sts:AssumeRole", f"arn:aws:iam::{A}:role/x")
    assert evaluate(policy, third, resource_policy=True) is None


def test_service_principal_and_source_conditions() -> None:
    policy = {"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::logs/s3/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": A}, "ArnLike": {"aws:SourceArn": [BUCKET]}},
    }]}
    ok = Request("logging.s3.amazonaws.com", "s3:PutObject", "arn:aws:s3:::logs/s3/etl-input/x",
                 {"aws:SourceAccount": A, "aws:SourceArn": BUCKET})
    assert decide(ok, [], policy, A).allowed
    foreign = Request("logging.s3.amazonaws.com", "s3:PutObject", "arn:aws:s3:::logs/s3/etl-input/x",
                      {"aws:SourceAccount": C, "aws:SourceArn": "arn:aws:s3:::elsewhere"})
    assert not decide(foreign, [], policy, A).allowed


def test_not_action_not_resource_not_principal() -> None:
    policy = {"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": GLUE}, "NotAction": "s3:List*",
                             "NotResource": f"{BUCKET}/public/*"}]}
    assert evaluate(policy, get(OTHER_B, "raw/a"), resource_policy=True) is Effect.DENY
    assert evaluate(policy, get(GLUE_SESSION, "raw/a"), resource_policy=True) is None
    assert evaluate(policy, get(OTHER_B, "public/a"), resource_policy=True) is None
    listing = Request(OTHER_B, "s3:ListBucket", f"{BUCKET}/raw/a")
    assert evaluate(policy, listing, resource_policy=True) is None


def test_actions_are_case_insensitive_resources_are_not() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "S3:getobject", "Resource": f"{BUCKET}/Raw/*"}]}
    assert evaluate(policy, get(GLUE, "Raw/a")) is Effect.ALLOW
    assert evaluate(policy, get(GLUE, "raw/a")) is None


@pytest.mark.parametrize(("condition", "context", "expected"), [
    ({"StringEquals": {"k": "a"}}, {"k": "a"}, True),
    ({"StringEquals": {"k": "a"}}, {}, False),
    ({"StringNotEquals": {"k": "a"}}, {}, True),
    ({"StringNotEquals": {"k": "a"}}, {"k": "a"}, False),
    ({"StringEqualsIfExists": {"k": "a"}}, {}, True),
    ({"StringEqualsIfExists": {"k": "a"}}, {"k": "b"}, False),
    ({"Null": {"k": "true"}}, {}, True),
    ({"Null": {"k": "false"}}, {}, False),
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:securetransport": "TRUE"}, False),
    ({"NumericLessThan": {"n": "10"}}, {"n": "9"}, True),
    ({"NumericLessThan": {"n": "10"}}, {"n": "10"}, False),
    ({"ForAllValues:StringLike": {"tags": ["team-*"]}}, {"tags": ["team-a", "team-b"]}, True),
    ({"ForAllValues:StringLike": {"tags": ["team-*"]}}, {"tags": ["team-a", "ops"]}, False),
    ({"ForAnyValue:StringEquals": {"tags": ["ops"]}}, {"tags": ["team-a", "ops"]}, True),
    ({"StringEquals": {"who": "${aws:username}"}}, {"who": "ana", "aws:username": "ana"}, True),
    ({"StringEquals": {"who": "${aws:username}"}}, {"who": "ana"}, False),
])
def test_condition_operators(condition: dict, context: dict, expected: bool) -> None:
    assert condition_block_matches(condition, Request("p", "a", "r", context)) is expected


def test_unknown_operator_is_reported_not_guessed() -> None:
    with pytest.raises(UnsupportedConditionError):
        condition_block_matches({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                                Request("p", "a", "r", {"aws:SourceIp": "10.1.2.3"}))
