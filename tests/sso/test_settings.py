"""The authenticator's configuration: what modules/sso-alb writes parses, anything else is refused by name."""

from __future__ import annotations

import json

import pytest

from mwaa_platform.sso import roles
from mwaa_platform.sso.settings import ConfigError, from_env
from sso.albtokens import ALB_ARN

BASE = {
    "MWAA_SSO_ALB_ARN": ALB_ARN, "MWAA_SSO_TABLE": "t",
    "MWAA_SSO_ENVIRONMENTS": json.dumps({"dev": {"name": "dev-airflow", "roles": ["viewer"], "hosts": ["Dev.X.io"]}}),
    "MWAA_SSO_ACCESS_ROLES": json.dumps({"Viewer": "arn:aws:iam::123456789012:role/v"}),
}


def test_parses_module_output() -> None:
    conf = from_env(BASE)
    assert conf.region == "us-east-1"
    env = conf.environments["dev"]
    assert (env.name, env.region, env.allowed_roles, env.hosts) == ("dev-airflow", "us-east-1", {"Viewer"},
                                                                    ("dev.x.io",))
    assert conf.environment_for_host("DEV.x.io:443") is env
    assert conf.environment_for_host("other.x.io") is None
    assert (conf.user_claim, conf.groups_claim, conf.key_url_base, conf.logout_url) == ("email", "groups", None, None)


@pytest.mark.parametrize(("override", "message"), [
    ({"MWAA_SSO_ALB_ARN": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/x/1"}, "MWAA_SSO_ALB_ARN"),
    ({"MWAA_SSO_TABLE": ""}, "MWAA_SSO_TABLE"),
    ({"MWAA_SSO_ENVIRONMENTS": "{not json"}, "MWAA_SSO_ENVIRONMENTS is not valid JSON"),
    ({"MWAA_SSO_ENVIRONMENTS": json.dumps({"Dev": {"name": "d", "roles": ["Viewer"]}})}, "environment key"),
    ({"MWAA_SSO_ENVIRONMENTS": json.dumps({"dev": {"name": "1bad", "roles": ["Viewer"]}})}, "MWAA environment"),
    ({"MWAA_SSO_ENVIRONMENTS": json.dumps({"dev": {"name": "d", "roles": []}})}, "allows no Airflow role"),
    ({"MWAA_SSO_ENVIRONMENTS": json.dumps({"dev": {"name": "d", "roles": ["Op"]}})}, "no access role"),
    ({"MWAA_SSO_ACCESS_ROLES": json.dumps({"Root": "arn"})}, "unknown Airflow role"),
])
def test_refuses_bad_configuration(override: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_env({**BASE, **override})


def test_role_ranks() -> None:
    assert roles.highest(["Viewer", "Op", "Public"]) == "Op"
    assert roles.highest([]) is None
    assert [roles.canonical_role(r) for r in ("ADMIN", " op ", "viewer")] == ["Admin", "Op", "Viewer"]
