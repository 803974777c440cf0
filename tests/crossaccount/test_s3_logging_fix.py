"""The emulator fix s3_logging_target_policy: PutBucketLogging's check of the target bucket's policy. On the project's
emulator without it, the emulator test fails with HTTP 500 (moto crashes on the TLS-only statement's
``"Principal": "*"``), and a scoped grant (``<target>/s3/*`` with aws:SourceArn) is refused."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from xacct_support import CONSUMER_ACCOUNT, session_for

from mwaa_local.aws_emulator.fixes.s3_logging_target_policy import logging_allowed
from mwaa_local.emulator import Emulator

TLS_ONLY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _bucket(emulator: Emulator) -> tuple[Any, str]:
    s3 = session_for(emulator).client("s3", endpoint_url=emulator.endpoint)
    name = f"fix-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    return s3, name


def _logs_policy(target: str, source_arn: str, account: str = CONSUMER_ACCOUNT) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {**TLS_ONLY, "Resource": [f"arn:aws:s3:::{target}", f"arn:aws:s3:::{target}/*"]},
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{target}/s3/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source_arn}}},
    ]})


def test_logging_allowed_decides_on_prefix_and_source() -> None:
    policy = _logs_policy("logs", "arn:aws:s3:::src")
    assert logging_allowed(policy, "arn:aws:s3:::logs", "s3/src/", CONSUMER_ACCOUNT, "arn:aws:s3:::src")
    assert not logging_allowed(policy, "arn:aws:s3:::logs", "elsewhere/", CONSUMER_ACCOUNT, "arn:aws:s3:::src")
    assert not logging_allowed(policy, "arn:aws:s3:::logs", "s3/src/", CONSUMER_ACCOUNT, "arn:aws:s3:::other")
    assert not logging_allowed(policy, "arn:aws:s3:::logs", "s3/src/", "999999999999", "arn:aws:s3:::src")


@pytest.mark.emulator
def test_put_bucket_logging_accepts_a_scoped_service_grant(xacct_emulator: Emulator) -> None:
    s3, source = _bucket(xacct_emulator)
    _, target = _bucket(xacct_emulator)
    s3.put_bucket_policy(Bucket=target, Policy=_logs_policy(target, f"arn:aws:s3:::{source}"))
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"s3/{source}/"}})
    assert s3.get_bucket_logging(Bucket=source)["LoggingEnabled"]["TargetBucket"] == target

    _, stranger = _bucket(xacct_emulator)
    with pytest.raises(ClientError) as info:
        s3.put_bucket_logging(Bucket=stranger, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"s3/{stranger}/"}})
    assert info.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"
