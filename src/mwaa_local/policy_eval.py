"""A small offline evaluator for IAM policy documents (identity, bucket, key and trust policies).

It answers "would AWS allow this principal this action on this resource, given these policies?" for the
subset of the policy language our modules use: Allow/Deny, Action/NotAction, Resource/NotResource,
Principal/NotPrincipal (AWS accounts, roles and their sessions, users, services, "*"), and the common
condition operators (String*, Arn*, Bool, Null, Numeric*, with ...IfExists and ForAnyValue:/ForAllValues:).
The decision follows AWS's evaluation logic for one account boundary: an explicit Deny anywhere wins; within
one account an Allow in either the identity or the resource policy is enough; across accounts both must
allow. It is a test and emulation aid, not an authority: no SCPs, permission boundaries, session policies,
ACLs or service-specific quirks.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Policy = Mapping[str, Any]
ContextValue = str | Sequence[str]

_ARN_ACCOUNT = re.compile(r"^arn:[^:]+:(?:iam|sts)::(\d{12}):")
_ASSUMED_ROLE = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/[^/]+$")
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True)
class Request:
    """One API call: who (an ARN, or a service name such as ``glue.amazonaws.com``), what, on which resource."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    @property
    def principal_account(self) -> str | None:
        match = _ARN_ACCOUNT.match(self.principal)
        return match.group(1) if match else None

    def context_value(self, key: str) -> ContextValue | None:
        """Condition keys are case-insensitive; a few global keys are derived from the principal."""
        lowered = {k.lower(): v for k, v in self.context.items()}
        if key.lower() in lowered:
            return lowered[key.lower()]
        if key.lower() == "aws:principalaccount" and self.principal_account:
            return self.principal_account
        if key.lower() == "aws:principalarn" and self.principal.startswith("arn:"):
            return role_arn_of(self.principal)
        return None


def role_arn_of(principal: str) -> str:
    """``arn:aws:sts::A:assumed-role/R/session`` -> ``arn:aws:iam::A:role/R``; other ARNs unchanged."""
    match = _ASSUMED_ROLE.match(principal)
    if not match:
        return principal
    partition, account, role = match.groups()
    return f"arn:{partition}:iam::{account}:role/{role}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters (also across ':' and '/'), ``?`` one character."""
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _substitute(pattern: str, request: Request) -> str:
    """Policy variables such as ``${aws:username}``; an unknown variable never matches anything."""

    def repl(match: re.Match[str]) -> str:
        value = request.context_value(match.group(1))
        if isinstance(value, str):
            return value
        return "\x00unresolved\x00"

    return _VARIABLE.sub(repl, pattern)


def _action_matches(patterns: Any, action: str) -> bool:
    return any(_wildcard(p, action, ignore_case=True) for p in _as_list(patterns))


def _resource_matches(patterns: Any, resource: str, request: Request) -> bool:
    return any(_wildcard(_substitute(p, request), resource) for p in _as_list(patterns))


def _principal_matches(principal_block: Any, request: Request) -> bool:
    if principal_block == "*":
        return True
    if not isinstance(principal_block, Mapping):
        return False
    caller = request.principal
    caller_role = role_arn_of(caller)
    for kind, values in principal_block.items():
        for value in _as_list(values):
            if kind == "AWS":
                if value == "*":
                    return True
                account = value if re.fullmatch(r"\d{12}", value) else None
                root = re.fullmatch(r"arn:[^:]+:iam::(\d{12}):root", value)
                if root:
                    account = root.group(1)
                if account is not None:
                    # The account delegates to its own IAM policies: any principal of that account matches.
                    if request.principal_account == account:
                        return True
                elif value in (caller, caller_role):
                    return True
            elif kind in ("Service", "Federated", "CanonicalUser") and value == caller:
                return True
    return False


# ---------------------------------------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------------------------------------

def _equals(pattern: str, value: str) -> bool:
    return pattern == value


def _equals_ignore_case(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    return lambda pattern, value: compare(float(value), float(pattern))


# operator -> (expected pattern, actual value) -> bool; negated operators reuse the positive test.
_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _equals,
    "StringNotEquals": _equals,
    "StringEqualsIgnoreCase": _equals_ignore_case,
    "StringNotEqualsIgnoreCase": _equals_ignore_case,
    "StringLike": _wildcard,
    "StringNotLike": _wildcard,
    "ArnEquals": _wildcard,
    "ArnLike": _wildcard,
    "ArnNotEquals": _wildcard,
    "ArnNotLike": _wildcard,
    "Bool": _equals_ignore_case,
    "NumericEquals": _numeric(operator.eq),
    "NumericNotEquals": _numeric(operator.eq),
    "NumericLessThan": _numeric(operator.lt),
    "NumericLessThanEquals": _numeric(operator.le),
    "NumericGreaterThan": _numeric(operator.gt),
    "NumericGreaterThanEquals": _numeric(operator.ge),
}

_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
            "NumericNotEquals"}


class UnsupportedConditionError(ValueError):
    """A condition operator this evaluator does not know; callers decide how conservative to be."""


def condition_block_matches(condition: Mapping[str, Mapping[str, Any]] | None, request: Request) -> bool:
    """All operators in a Condition block must match (AND); within one key any listed value may match (OR)."""
    for op_name, keys in (condition or {}).items():
        for key, expected in keys.items():
            if not _condition_matches(op_name, key, _as_list(expected), request):
                return False
    return True


def _condition_matches(op_name: str, key: str, expected: list[Any], request: Request) -> bool:
    set_op = None
    if ":" in op_name:
        set_op, op_name = op_name.split(":", 1)
        if set_op not in ("ForAnyValue", "ForAllValues"):
            raise UnsupportedConditionError(f"set operator {set_op!r}")
    if_exists = op_name.endswith("IfExists")
    base = op_name.removesuffix("IfExists")
    actual = request.context_value(key)

    if base == "Null":
        want_absent = str(expected[0]).lower() == "true"
        return (actual is None) == want_absent

    op = _OPERATORS.get(base)
    if op is None:
        raise UnsupportedConditionError(f"condition operator {op_name!r}")
    negated = base in _NEGATED
    if actual is None:
        # AWS: a missing key does not match, except with ...IfExists, and negated operators then match.
        return if_exists or negated

    values = [str(v) for v in _as_list(actual)]
    patterns = [_substitute(str(p), request) for p in expected]

    def one(value: str) -> bool:
        hit = any(op(p, value) for p in patterns)
        return not hit if negated else hit

    if set_op == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)


# ---------------------------------------------------------------------------------------------------------
# Statements, policies, decisions
# ---------------------------------------------------------------------------------------------------------

def statement_applies(statement: Mapping[str, Any], request: Request, resource_policy: bool = False) -> bool:
    """True when the statement covers this request (its Effect then decides)."""
    if "Action" in statement:
        if not _action_matches(statement["Action"], request.action):
            return False
    elif "NotAction" in statement:
        if _action_matches(statement["NotAction"], request.action):
            return False
    else:
        return False

    if "Resource" in statement:
        if not _resource_matches(statement["Resource"], request.resource, request):
            return False
    elif "NotResource" in statement:
        if _resource_matches(statement["NotResource"], request.resource, request):
            return False
    elif not resource_policy:
        return False  # identity policies need a Resource; trust and some resource policies omit it

    if resource_policy:
        if "Principal" in statement:
            if not _principal_matches(statement["Principal"], request):
                return False
        elif "NotPrincipal" in statement:
            if _principal_matches(statement["NotPrincipal"], request):
                return False
        else:
            return False

    return condition_block_matches(statement.get("Condition"), request)


def evaluate(policy: Policy | None, request: Request, resource_policy: bool = False) -> Effect | None:
    """Deny if any applicable statement denies, Allow if any allows, None when none applies."""
    if not policy:
        return None
    result: Effect | None = None
    for statement in _as_list(policy.get("Statement")):
        if statement_applies(statement, request, resource_policy):
            if statement.get("Effect") == "Deny":
                return Effect.DENY
            if statement.get("Effect") == "Allow":
                result = Effect.ALLOW
    return result


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def decide(request: Request, identity_policies: Iterable[Policy], resource_policy: Policy | None,
           resource_account: str) -> Decision:
    """AWS's decision for one request that crosses at most one account boundary.

    ``identity_policies`` are the caller's (for a service principal pass none); ``resource_policy`` is the
    bucket, key or trust policy of the resource owned by ``resource_account``.
    """
    identity = [evaluate(p, request) for p in identity_policies]
    resource = evaluate(resource_policy, request, resource_policy=True)
    if Effect.DENY in identity:
        return Decision(False, "explicit deny in an identity policy")
    if resource is Effect.DENY:
        return Decision(False, "explicit deny in the resource policy")
    identity_allows = Effect.ALLOW in identity
    resource_allows = resource is Effect.ALLOW
    same_account = request.principal_account == resource_account
    if request.principal_account is None:  # a service principal: only the resource policy speaks
        return Decision(resource_allows, "resource policy allows the service" if resource_allows
                        else "no resource policy statement allows the service")
    if same_account:
        if identity_allows or resource_allows:
            return Decision(True, "allowed within the account")
        return Decision(False, "implicit deny: no policy allows it")
    if identity_allows and resource_allows:
        return Decision(True, "cross-account: identity and resource policy both allow")
    missing = "identity policy" if not identity_allows else "resource policy"
    return Decision(False, f"cross-account implicit deny: the {missing} does not allow it")
