"""Airflow RBAC role names as MWAA knows them, their order of privilege, and name checks shared by all parts."""

from __future__ import annotations

import re

# Most privileged first; MWAA's CreateWebLoginToken resource is arn:...:role/<environment>/<one of these>.
RBAC_ROLES: tuple[str, ...] = ("Admin", "Op", "User", "Viewer", "Public")
_RANK = {name: rank for rank, name in enumerate(reversed(RBAC_ROLES))}

# Environment keys become URL path segments and listener rules; MWAA names allow letters, digits, - and _.
ENVIRONMENT_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MWAA_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z_-]{0,79}$")
RESERVED_KEYS = frozenset({"logout", "oauth2", "health", "aws_mwaa", "static"})


def canonical_role(name: str) -> str:
    """The role's canonical spelling (``viewer`` -> ``Viewer``); ValueError for anything else."""
    for role in RBAC_ROLES:
        if role.lower() == name.strip().lower():
            return role
    raise ValueError(f"unknown Airflow role {name!r}; use one of {', '.join(RBAC_ROLES)}")


def rank(role: str) -> int:
    """Higher is more privileged."""
    return _RANK[role]


def highest(roles: set[str] | list[str]) -> str | None:
    """The most privileged role of ``roles`` (None when empty)."""
    return max(roles, key=rank) if roles else None


def check_environment_key(key: str) -> str:
    if not ENVIRONMENT_KEY.match(key) or key in RESERVED_KEYS:
        raise ValueError(f"environment key {key!r} must match {ENVIRONMENT_KEY.pattern} and not be one of "
                         f"{', '.join(sorted(RESERVED_KEYS))}")
    return key
