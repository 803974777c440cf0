"""Admit / revoke one MWAA Celery queue in an SQS interface endpoint policy (pure functions, no AWS calls).

An endpoint policy that already lets everything through (the default full-access policy, or any Allow of
all SQS actions on all resources without conditions) is "open" and left exactly as it is. A restrictive
policy gets one statement per admitted queue, with a ``Sid`` derived from the queue ARN, so admitting twice
changes nothing and revoking removes exactly what was admitted.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# What MWAA's Celery executor does with its queue (the execution-role actions MWAA documents).
CELERY_ACTIONS = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
)
SID_PREFIX = "MwaaCelery"
MAX_POLICY_CHARS = 20480  # the VPC endpoint policy size limit


class PolicyTooLargeError(ValueError):
    pass


def sid_for(queue_arn: str) -> str:
    return SID_PREFIX + hashlib.sha256(queue_arn.encode()).hexdigest()[:20]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def is_open(policy: dict[str, Any]) -> bool:
    """True if some unconditional Allow statement grants every SQS action on every resource to everyone."""
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or statement.get("Condition"):
            continue
        if "NotAction" in statement or "NotResource" in statement or "NotPrincipal" in statement:
            continue
        actions = {str(a).lower() for a in _as_list(statement.get("Action"))}
        if (actions & {"*", "sqs:*"}) and "*" in _as_list(statement.get("Resource")) \
                and _everyone(statement.get("Principal", "*")):
            return True
    return False


def parse(document: str | None) -> dict[str, Any]:
    """The endpoint's policy document; none means AWS's default full-access policy."""
    if not document:
        return {"Version": "2008-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    policy = json.loads(document)
    if not isinstance(policy, dict):
        raise ValueError("endpoint policy is not a JSON object")
    return policy


def admitted(policy: dict[str, Any], queue_arn: str) -> bool:
    sid = sid_for(queue_arn)
    return any(isinstance(s, dict) and s.get("Sid") == sid for s in _as_list(policy.get("Statement")))


def admit(policy: dict[str, Any], queue_arn: str) -> dict[str, Any] | None:
    """The policy with ``queue_arn`` admitted, or None when nothing needs to change (open or already in)."""
    if is_open(policy) or admitted(policy, queue_arn):
        return None
    statements = [*_as_list(policy.get("Statement")), {
        "Sid": sid_for(queue_arn),
        "Effect": "Allow",
        "Principal": "*",
        "Action": list(CELERY_ACTIONS),
        "Resource": queue_arn,
    }]
    updated = {**policy, "Statement": statements}
    if len(json.dumps(updated)) > MAX_POLICY_CHARS:
        raise PolicyTooLargeError("admitting the queue would exceed the 20,480-character endpoint policy limit")
    return updated


def revoke(policy: dict[str, Any], queue_arn: str) -> dict[str, Any] | None:
    """The policy without the statement we added for ``queue_arn``, or None when it is not there."""
    if not admitted(policy, queue_arn):
        return None
    sid = sid_for(queue_arn)
    statements = [s for s in _as_list(policy.get("Statement")) if not (isinstance(s, dict) and s.get("Sid") == sid)]
    return {**policy, "Statement": statements}
