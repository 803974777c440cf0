"""Gap: moto's PutBucketLogging check of the target bucket's policy (FakeBucket._log_permissions_enabled_policy)
crashes with HTTP 500 ('str' object has no attribute 'get') when any statement has ``"Principal": "*"`` (the
TLS-only deny every bucket of ours has), and otherwise accepts only a Resource spelled exactly
``<target>/<prefix>*``, ``<target>/*`` or ``<target>``, ignoring Conditions. AWS accepts any statement that
allows logging.s3.amazonaws.com s3:PutObject on the log keys, typically narrowed by aws:SourceAccount and
aws:SourceArn. Fix: decide with mwaa_local.policy_eval: does the target's policy allow the
logging service to put ``<prefix>...`` given the source bucket's account and ARN?"""

from __future__ import annotations

import json
from typing import Any

LOGGING_SERVICE = "logging.s3.amazonaws.com"


def logging_allowed(policy_json: str, target_arn: str, target_prefix: str | None, source_account: str,
                    source_arn: str) -> bool:
    from mwaa_local.policy_eval import Effect, Request, UnsupportedConditionError, evaluate

    request = Request(
        principal=LOGGING_SERVICE,
        action="s3:PutObject",
        resource=f"{target_arn}/{target_prefix or ''}2026-01-01-00-00-00-0000000000000000",
        context={"aws:SourceAccount": source_account, "aws:SourceArn": source_arn, "aws:SecureTransport": "true"},
    )
    try:
        return evaluate(json.loads(policy_json), request, resource_policy=True) is Effect.ALLOW
    except UnsupportedConditionError:
        return False


def apply() -> None:
    from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging
    from moto.s3.models import FakeBucket

    def set_logging(self: Any, logging_config: dict[str, Any] | None, bucket_backend: Any) -> None:
        if not logging_config:
            self.logging = {}
            return
        target_bucket = bucket_backend.buckets.get(logging_config["TargetBucket"])
        if not target_bucket:
            raise InvalidTargetBucketForLogging("The target bucket for logging does not exist.")
        target_prefix = logging_config.get("TargetPrefix")
        by_policy = bool(target_bucket.policy) and logging_allowed(
            target_bucket.policy.decode() if isinstance(target_bucket.policy, bytes) else target_bucket.policy,
            target_bucket.arn, target_prefix, self.account_id, self.arn,
        )
        if not (by_policy or FakeBucket._log_permissions_enabled_acl(target_bucket=target_bucket)):
            raise InvalidTargetBucketForLogging(
                "You must either provide the necessary permissions to the logging service using a bucket "
                "policy or give the log-delivery group WRITE and READ_ACP permissions to the target bucket"
            )
        if target_bucket.region_name != self.region_name:
            raise CrossLocationLoggingProhibited()
        self.logging = logging_config

    FakeBucket.set_logging = set_logging
