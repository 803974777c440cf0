"""The authenticator's configuration, read once from the function's environment (set by modules/sso-alb)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from mwaa_platform.sso import roles

ALB_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:(?P<region>[a-z0-9-]+):\d{12}:loadbalancer/app/[A-Za-z0-9-]+/[0-9a-f]+$")
DEFAULT_COOKIE = "AWSELBAuthSessionCookie"


class ConfigError(ValueError):
    """The function is misconfigured (a deployment problem, not the user's)."""


@dataclass(frozen=True)
class Environment:
    key: str            # URL path segment and listener rule name
    name: str           # the MWAA environment name
    region: str
    allowed_roles: frozenset[str]
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    alb_arn: str
    table_name: str
    environments: Mapping[str, Environment]
    access_roles: Mapping[str, str]          # Airflow role -> IAM role ARN that may create its tokens
    user_claim: str = "email"
    groups_claim: str = "groups"
    key_url_base: str | None = None          # None: the ALB region's public key endpoint
    expected_issuer: str | None = None
    expected_client_id: str | None = None
    logout_url: str | None = None
    cookie_name: str = DEFAULT_COOKIE

    @property
    def region(self) -> str:
        match = ALB_ARN.match(self.alb_arn)
        assert match  # checked in validate()
        return match["region"]

    def environment_for_host(self, host: str) -> Environment | None:
        host = host.split(":", 1)[0].lower()
        return next((env for env in self.environments.values() if host in env.hosts), None)

    def validate(self) -> Settings:
        if not ALB_ARN.match(self.alb_arn):
            raise ConfigError(f"MWAA_SSO_ALB_ARN is not an application load balancer ARN: {self.alb_arn!r}")
        if not self.table_name:
            raise ConfigError("MWAA_SSO_TABLE is empty")
        for env in self.environments.values():
            missing = sorted(r for r in env.allowed_roles if r not in self.access_roles)
            if missing:
                raise ConfigError(f"environment {env.key!r} allows {missing} but no access role is configured")
        return self


def _json(env: Mapping[str, str], name: str, default: str) -> object:
    try:
        return json.loads(env.get(name) or default)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc.msg}") from None


def _environments(raw: object) -> dict[str, Environment]:
    if not isinstance(raw, dict):
        raise ConfigError("MWAA_SSO_ENVIRONMENTS must be a JSON object of key -> {name, region, roles}")
    out: dict[str, Environment] = {}
    for key, spec in raw.items():
        try:
            roles.check_environment_key(key)
            if not isinstance(spec, dict) or not roles.MWAA_NAME.match(str(spec.get("name", ""))):
                raise ValueError("needs a valid MWAA environment 'name'")
            allowed = frozenset(roles.canonical_role(r) for r in spec.get("roles", []))
            if not allowed:
                raise ValueError("allows no Airflow role")
            hosts = tuple(str(h).lower() for h in spec.get("hosts", []))
            out[key] = Environment(key=key, name=spec["name"], region=str(spec.get("region") or ""),
                                   allowed_roles=allowed, hosts=hosts)
        except ValueError as exc:
            raise ConfigError(f"MWAA_SSO_ENVIRONMENTS[{key!r}]: {exc}") from None
    return out


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``MWAA_SSO_*`` variables; ConfigError names the variable that is wrong."""
    env = os.environ if env is None else env
    access_roles = _json(env, "MWAA_SSO_ACCESS_ROLES", "{}")
    if not isinstance(access_roles, dict):
        raise ConfigError("MWAA_SSO_ACCESS_ROLES must be a JSON object of Airflow role -> IAM role ARN")
    try:
        access = {roles.canonical_role(k): str(v) for k, v in access_roles.items()}
    except ValueError as exc:
        raise ConfigError(f"MWAA_SSO_ACCESS_ROLES: {exc}") from None
    settings = Settings(
        alb_arn=env.get("MWAA_SSO_ALB_ARN", ""),
        table_name=env.get("MWAA_SSO_TABLE", ""),
        environments=_environments(_json(env, "MWAA_SSO_ENVIRONMENTS", "{}")),
        access_roles=access,
        user_claim=env.get("MWAA_SSO_USER_CLAIM") or "email",
        groups_claim=env.get("MWAA_SSO_GROUPS_CLAIM") or "groups",
        key_url_base=env.get("MWAA_SSO_KEY_URL") or None,
        expected_issuer=env.get("MWAA_SSO_OIDC_ISSUER") or None,
        expected_client_id=env.get("MWAA_SSO_OIDC_CLIENT_ID") or None,
        logout_url=env.get("MWAA_SSO_LOGOUT_URL") or None,
        cookie_name=env.get("MWAA_SSO_COOKIE_NAME") or DEFAULT_COOKIE,
    )
    settings = settings.validate()
    region = settings.region
    # an environment without a region lives in the ALB's region
    fixed = {k: Environment(e.key, e.name, e.region or region, e.allowed_roles, e.hosts)
             for k, e in settings.environments.items()}
    return replace(settings, environments=fixed)
