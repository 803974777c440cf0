"""Building the authenticator app for tests: real verification and table, recording or stubbed MWAA login."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from mwaa_platform.sso import settings as sso_settings
from mwaa_platform.sso.alb import Request, Response
from mwaa_platform.sso.alb_jwt import Expectations, verify
from mwaa_platform.sso.app import App
from mwaa_platform.sso.authz import AuthorizationTable
from mwaa_platform.sso.keys import AlbPublicKeys
from mwaa_platform.sso.roles import RBAC_ROLES
from sso.albtokens import ALB_ARN, CLIENT_ID, ISSUER, KeyServer

ACCESS_ROLES = {r: f"arn:aws:iam::123456789012:role/sso-{r.lower()}" for r in RBAC_ROLES}
ENVIRONMENTS = {
    "dev": {"name": "dev-airflow", "roles": ["Admin", "Op", "User", "Viewer"]},
    "prod": {"name": "prod-airflow", "region": "us-west-2", "roles": ["Op", "Viewer"], "hosts": ["prod.airflow.test"]},
    "stage": {"name": "stage_airflow", "roles": ["Admin", "Op", "User", "Viewer", "Public"]},
}


def env_vars(table: str, keys: KeyServer, **extra: str) -> dict[str, str]:
    return {
        "MWAA_SSO_ALB_ARN": ALB_ARN, "MWAA_SSO_TABLE": table, "MWAA_SSO_KEY_URL": keys.url,
        "MWAA_SSO_ENVIRONMENTS": json.dumps(ENVIRONMENTS), "MWAA_SSO_ACCESS_ROLES": json.dumps(ACCESS_ROLES),
        "MWAA_SSO_OIDC_ISSUER": ISSUER, "MWAA_SSO_OIDC_CLIENT_ID": CLIENT_ID, **extra,
    }


@dataclass
class RecordingLogin:
    calls: list[tuple[str, str, str, str]] = field(default_factory=list)

    def redirect_url(self, environment_name: str, region: str, role_arn: str, user: str) -> str:
        self.calls.append((environment_name, region, role_arn, user))
        return f"https://{environment_name}.example/aws_mwaa/aws-console-sso?login=true#t0ken-{len(self.calls)}"


def build_app(table: str, keys: KeyServer, login: Any = None, **extra: str) -> App:
    conf = sso_settings.from_env(env_vars(table, keys, **extra))
    public_keys = AlbPublicKeys(keys.url)
    expect = Expectations(signer=ALB_ARN, issuer=ISSUER, client_id=CLIENT_ID)
    return App(settings=conf, verify=functools.partial(_verify, expect=expect, keys=public_keys),
               grants=AuthorizationTable(table), login=login or RecordingLogin())


def _verify(token: str, expect: Expectations, keys: AlbPublicKeys) -> dict[str, Any]:
    return verify(token, expect, keys.get)


def get(app: App, path: str, token: str = "", host: str = "sso.example.com", query: dict[str, str] | None = None,
        cookies: tuple[str, ...] = ()) -> Response:
    headers = {"host": host}
    if token:
        headers["x-amzn-oidc-data"] = token
    return app.handle(Request("GET", path, host, headers, query or {}, cookies))


def alb_event(path: str, token: str = "", cookies: str = "", query: dict[str, str] | None = None,
              method: str = "GET", host: str = "sso.example.com") -> dict[str, Any]:
    headers: dict[str, list[str]] = {"host": [host], "user-agent": ["pytest"]}
    if token:
        headers["x-amzn-oidc-data"] = [token]
        headers["x-amzn-oidc-accesstoken"] = ["access-" + token[-12:]]
        headers["x-amzn-oidc-identity"] = ["00u1"]
    if cookies:
        headers["cookie"] = [cookies]
    return {"requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                                       "targetgroup/sso/0123456789abcdef"}},
            "httpMethod": method, "path": path, "multiValueHeaders": headers,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()},
            "body": "", "isBase64Encoded": False}
