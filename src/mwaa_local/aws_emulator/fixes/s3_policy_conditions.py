"""Gap: moto treats every bucket-policy statement that has a Condition as an explicit Deny, whatever its
Effect, and never evaluates the condition. A TLS-only policy (Deny to Principal "*" when aws:SecureTransport
is false) therefore denied every read (HeadObject 403), so TLS-only policies could not be kept for the
emulator. Fix: evaluate a statement's conditions against the request context; a statement whose conditions
do not hold does not apply, as in AWS. Context: ``aws:SecureTransport`` is "true", because the emulator on
loopback stands in for AWS's HTTPS endpoints, unless the request says it was forwarded from plain HTTP
(``X-Forwarded-Proto: http``), which is how a test proves the Deny is enforced. Condition keys the emulator
does not know are absent, so only Null and ...IfExists conditions on them can hold."""

from __future__ import annotations

import fnmatch
import json
import logging
import threading
from typing import Any

log = logging.getLogger("mwaa_platform.emulator.s3_policy")
_request = threading.local()


def request_context() -> dict[str, str]:
    insecure = getattr(_request, "forwarded_proto", "").lower() == "http"
    return {"aws:securetransport": "false" if insecure else "true"}


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _one(operator: str, key: str, expected: list[str], context: dict[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    actual = context.get(key.lower())
    if base == "Null":
        return (actual is None) == (expected[0].lower() == "true")
    if actual is None:
        return if_exists
    matchers = {
        "Bool": lambda a, e: a.lower() == e.lower(),
        "StringEquals": lambda a, e: a == e,
        "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
        "StringLike": fnmatch.fnmatchcase,
        "ArnEquals": lambda a, e: a == e,
        "ArnLike": fnmatch.fnmatchcase,
    }
    negated = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
               "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}
    if base in matchers:
        return any(matchers[base](actual, e) for e in expected)
    if base in negated:
        return not any(matchers[negated[base]](actual, e) for e in expected)
    log.warning("bucket policy condition operator %s is not emulated: the statement does not apply", operator)
    return False


def conditions_hold(condition: dict[str, Any], context: dict[str, str]) -> bool:
    """All operators, all keys must hold (AND); values within one key are alternatives (OR)."""
    for operator, pairs in condition.items():
        for key, value in (pairs or {}).items():
            if not _one(operator, key, _values(value), context):
                return False
    return True


def effective_policy(policy: dict[str, Any], context: dict[str, str]) -> dict[str, Any] | None:
    """The policy with inapplicable statements removed and the conditions of the others resolved."""
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = []
    for statement in statements:
        condition = statement.get("Condition")
        if not condition:
            kept.append(statement)
        elif conditions_hold(condition, context):
            kept.append({k: v for k, v in statement.items() if k != "Condition"})
    return {**policy, "Statement": kept} if kept else None


def apply() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        raw = self.policy.decode() if isinstance(self.policy, bytes) else self.policy
        effective = effective_policy(json.loads(raw), request_context())
        if effective is None:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(effective)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def wrap_wsgi(app: Any) -> Any:
    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        _request.forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", "")
        try:
            return app(environ, start_response)
        finally:
            _request.forwarded_proto = ""

    middleware.dispatcher = getattr(app, "dispatcher", app)  # type: ignore[attr-defined]
    return middleware
