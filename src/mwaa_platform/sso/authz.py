"""The authorization table: who (a user or an IdP group) may open which environment with which Airflow role.

Items are ``{principal, environment, rbac_role, granted_at, granted_by}`` with key (principal, environment)
and a ``by-environment`` index (environment, principal). Principals are ``user:<id>`` (lower-cased when it is
an e-mail address) or ``group:<name>``, derived from the verified JWT claims the same way the CLI writes them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import product
from typing import Any

from mwaa_platform import aws
from mwaa_platform.sso import roles

ENVIRONMENT_INDEX = "by-environment"
BATCH = 100              # BatchGetItem's limit
MAX_PRINCIPALS = 300     # a user in more groups than this is looked up by the first ones only
MAX_KEYS = 1000          # bound on one lookup (principals x environments)
MAX_PRINCIPAL_LENGTH = 256


@dataclass(frozen=True)
class Grant:
    principal: str
    environment: str
    rbac_role: str
    granted_at: str = ""
    granted_by: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"principal": self.principal, "environment": self.environment, "rbac_role": self.rbac_role,
                "granted_at": self.granted_at, "granted_by": self.granted_by}


def user_principal(user: str) -> str:
    user = user.strip()
    if not user or len(user) > MAX_PRINCIPAL_LENGTH or any(c.isspace() for c in user):
        raise ValueError("a user id must be non-empty, at most 256 characters, without spaces")
    return "user:" + (user.lower() if "@" in user else user)


def group_principal(group: str) -> str:
    group = group.strip()
    if not group or len(group) > MAX_PRINCIPAL_LENGTH:
        raise ValueError("a group name must be non-empty and at most 256 characters")
    return "group:" + group


def principals_from_claims(claims: Mapping[str, Any], user_claim: str, groups_claim: str) -> list[str]:
    """``[user:<id>, group:<g>...]`` from verified claims; ValueError when the user claim is missing."""
    user = claims.get(user_claim)
    if not isinstance(user, str) or not user.strip():
        raise ValueError(f"the identity provider sent no '{user_claim}' claim")
    out = [user_principal(user)]
    raw = claims.get(groups_claim) or []
    groups = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    for group in groups:
        if isinstance(group, str) and group.strip() and len(out) < MAX_PRINCIPALS:
            try:
                out.append(group_principal(group))
            except ValueError:
                continue
    return list(dict.fromkeys(out))


def _item(grant: Grant) -> dict[str, dict[str, str]]:
    return {k: {"S": v} for k, v in grant.as_dict().items() if v}


def _grant(item: Mapping[str, Any]) -> Grant:
    return Grant(**{k: item[k]["S"] for k in ("principal", "environment", "rbac_role", "granted_at", "granted_by")
                    if k in item})


@dataclass
class AuthorizationTable:
    name: str
    region: str | None = None
    client: Any = None

    def __post_init__(self) -> None:
        if self.client is None:
            # an interactive login waits on this: short timeouts, few retries
            self.client = aws.client("dynamodb", self.region, connect_timeout=2, read_timeout=5,
                                     retries={"mode": "standard", "max_attempts": 3})

    # --- lookups (the authenticator) ---------------------------------------------------------------------

    def grants_for(self, principals: Iterable[str], environments: Iterable[str]) -> list[Grant]:
        """Every grant of any of ``principals`` on any of ``environments`` (consistent reads)."""
        keys = list(product(list(principals)[:MAX_PRINCIPALS], environments))[:MAX_KEYS]
        found: list[Grant] = []
        for start in range(0, len(keys), BATCH):
            request: dict[str, Any] = {self.name: {
                "Keys": [{"principal": {"S": p}, "environment": {"S": e}} for p, e in keys[start:start + BATCH]],
                "ConsistentRead": True}}
            for attempt in range(4):
                resp = self.client.batch_get_item(RequestItems=request)
                found += [_grant(i) for i in resp.get("Responses", {}).get(self.name, [])]
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05 * 2 ** attempt)
            else:
                raise RuntimeError("the authorization table kept throttling the lookup")
        return [g for g in found if g.rbac_role in roles.RBAC_ROLES]

    # --- administration (the CLI) ------------------------------------------------------------------------

    def grant(self, principal: str, environment: str, rbac_role: str, granted_by: str = "") -> str:
        """Give ``principal`` ``rbac_role`` on ``environment``: 'granted', 'changed' or 'unchanged'."""
        roles.check_environment_key(environment)
        role = roles.canonical_role(rbac_role)
        key = {"principal": {"S": principal}, "environment": {"S": environment}}
        old = self.client.get_item(TableName=self.name, Key=key, ConsistentRead=True).get("Item")
        if old and old.get("rbac_role", {}).get("S") == role:
            return "unchanged"
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.client.put_item(TableName=self.name, Item=_item(Grant(principal, environment, role, now, granted_by)))
        return "changed" if old else "granted"

    def revoke(self, principal: str, environment: str) -> bool:
        """Remove the grant; False when there was none."""
        resp = self.client.delete_item(TableName=self.name, ReturnValues="ALL_OLD",
                                       Key={"principal": {"S": principal}, "environment": {"S": environment}})
        return bool(resp.get("Attributes"))

    def list(self, principal: str | None = None, environment: str | None = None) -> list[Grant]:
        """Grants, optionally of one principal and/or on one environment, sorted."""
        if principal:
            params: dict[str, Any] = {"KeyConditionExpression": "principal = :p",
                                      "ExpressionAttributeValues": {":p": {"S": principal}}}
            if environment:
                params["KeyConditionExpression"] += " AND environment = :e"
                params["ExpressionAttributeValues"][":e"] = {"S": environment}
            items = self._pages("query", **params)
        elif environment:
            items = self._pages("query", IndexName=ENVIRONMENT_INDEX, KeyConditionExpression="environment = :e",
                                ExpressionAttributeValues={":e": {"S": environment}})
        else:
            items = self._pages("scan")
        return sorted((_grant(i) for i in items), key=lambda g: (g.environment, g.principal))

    def _pages(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator(operation)
        for page in paginator.paginate(TableName=self.name, **params):
            yield from page.get("Items", [])
