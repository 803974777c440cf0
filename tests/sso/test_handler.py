"""The Lambda entry point end to end: ALB event -> verify -> DynamoDB -> STS (emulator) -> MWAA (stubbed) -> 302.

The emulator has no MWAA API, so CreateWebLoginToken is answered by botocore's Stubber on a client built
by the production factory from the assumed-role credentials (request and response validated against the
MWAA service model).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.stub import Stubber

from mwaa_platform.sso import handler
from mwaa_platform.sso.authz import AuthorizationTable
from mwaa_platform.sso.weblogin import WebLogin, _mwaa_client, session_name
from sso.albtokens import KeyServer, SigningKey, alb_token
from sso.helpers import ACCESS_ROLES, alb_event, env_vars

pytestmark = pytest.mark.emulator
WEB_TOKEN = "mwaa-web-token-4f1c2b7e9a"  # what the stub answers; must reach only the Location header


@dataclass
class StubbedMwaa:
    """An MWAA client factory: real client from the assumed credentials, CreateWebLoginToken stubbed."""
    error: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, credentials: Mapping[str, Any], region: str) -> Any:
        client = _mwaa_client(credentials, region)
        self.seen.append({"region": region, **credentials})
        stub = Stubber(client)
        if self.error:
            stub.add_client_error("create_web_login_token", service_error_code=self.error, http_status_code=403,
                                  expected_params={"Name": "dev-airflow"})
        else:
            stub.add_response("create_web_login_token", {
                "WebToken": WEB_TOKEN, "WebServerHostname": "abc123.c5.us-east-1.airflow.amazonaws.com",
                "IamIdentity": "arn:aws:sts::123456789012:assumed-role/sso-admin/alice",
                "AirflowIdentity": "assumed-role/alice"}, expected_params={"Name": "dev-airflow"})
        stub.activate()
        return client


@pytest.fixture
def mwaa(monkeypatch: pytest.MonkeyPatch) -> StubbedMwaa:
    stubbed = StubbedMwaa()
    monkeypatch.setattr(handler, "web_login", lambda: WebLogin(mwaa_client=stubbed))
    return stubbed


@pytest.fixture
def lambda_env(table_name: str, keys: KeyServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in env_vars(table_name, keys, MWAA_SSO_LOGOUT_URL="https://idp.example.com/logout").items():
        monkeypatch.setenv(key, value)
    handler.build.cache_clear()
    AuthorizationTable(table_name).grant("user:alice@example.com", "dev", "Admin")
    yield table_name
    handler.build.cache_clear()


def test_login_redirects_with_a_web_login_token(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, {"sub": "1", "email": "alice@example.com"})
    out = handler.handler(alb_event("/dev", token), None)
    assert out["statusCode"] == 302
    assert out["multiValueHeaders"]["Location"] == [
        f"https://abc123.c5.us-east-1.airflow.amazonaws.com/aws_mwaa/aws-console-sso?login=true#{WEB_TOKEN}"]
    assert out["multiValueHeaders"]["Cache-Control"] == ["no-store"]
    assert out["multiValueHeaders"]["Referrer-Policy"] == ["no-referrer"]
    # the MWAA client ran with credentials the emulator's STS issued for the Admin access role
    assert len(mwaa.seen) == 1 and mwaa.seen[0]["region"] == "us-east-1"
    assert mwaa.seen[0]["AccessKeyId"].startswith("ASIA")


def test_denied_users_get_a_clear_403(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, {"sub": "2", "email": "mallory@example.com"})
    out = handler.handler(alb_event("/dev", token), None)
    assert out["statusCode"] == 403
    text = html.unescape(out["body"])
    assert "Signed in as mallory@example.com" in text and "no Airflow role on environment 'dev'" in text
    assert "mwaa-platform sso grant --user mallory@example.com --environment dev" in text
    assert mwaa.seen == []


def test_forged_or_missing_token_gets_401(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey) -> None:
    forged = alb_token(signing_key, {"email": "alice@example.com"}, sign_with=SigningKey())
    for event in (alb_event("/dev", forged), alb_event("/dev")):
        out = handler.handler(event, None)
        assert out["statusCode"] == 401
        assert 'href="/logout"' in out["body"]
    assert mwaa.seen == []


def test_mwaa_refusal_is_a_502_page_with_the_code(lambda_env: str, mwaa: StubbedMwaa,
                                                 signing_key: SigningKey) -> None:
    mwaa.error = "AccessDeniedException"
    out = handler.handler(alb_event("/dev", alb_token(signing_key, {"email": "alice@example.com"})), None)
    assert out["statusCode"] == 502
    assert "AccessDeniedException" in out["body"]


def test_logout_clears_every_session_cookie_shard(lambda_env: str, mwaa: StubbedMwaa) -> None:
    cookies = "AWSELBAuthSessionCookie-0=abc; AWSELBAuthSessionCookie-2=def; other=1"
    out = handler.handler(alb_event("/logout", cookies=cookies), None)
    assert out["statusCode"] == 302
    assert out["multiValueHeaders"]["Location"] == ["https://idp.example.com/logout"]
    cleared = sorted(c.split("=", 1)[0] for c in out["multiValueHeaders"]["Set-Cookie"])
    assert cleared == ["AWSELBAuthSessionCookie-0", "AWSELBAuthSessionCookie-1", "AWSELBAuthSessionCookie-2"]
    assert all("Expires=Thu, 01 Jan 1970" in c and "Secure" in c for c in out["multiValueHeaders"]["Set-Cookie"])


def test_single_value_events_are_served(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey) -> None:
    event = alb_event("/dev", alb_token(signing_key, {"email": "alice@example.com"}))
    event["headers"] = {k: v[0] for k, v in event.pop("multiValueHeaders").items()}
    event["queryStringParameters"] = {}
    event.pop("multiValueQueryStringParameters")
    out = handler.handler(event, None)
    assert out["statusCode"] == 302 and "multiValueHeaders" not in out
    assert out["headers"]["Location"].endswith(WEB_TOKEN)


def test_other_methods_and_unknown_paths(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, {"email": "alice@example.com"})
    assert handler.handler(alb_event("/dev", token, method="POST"), None)["statusCode"] == 405
    assert handler.handler(alb_event("/dev", token, method="HEAD"), None)["statusCode"] == 405
    assert mwaa.seen == []
    missing = handler.handler(alb_event("/nope", token), None)
    assert missing["statusCode"] == 404 and "nope" in missing["body"]
    assert handler.handler({"not": "an alb event"}, None)["statusCode"] == 400


def test_user_values_are_escaped_in_pages(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, {"email": "<script>alert(1)</script>@x.io"})
    out = handler.handler(alb_event("/dev", token), None)
    assert out["statusCode"] == 403
    assert "<script>" not in out["body"] and "&lt;script&gt;" in out["body"]


def test_misconfiguration_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch, lambda_env: str) -> None:
    monkeypatch.setenv("MWAA_SSO_ACCESS_ROLES", json.dumps({"Admin": ACCESS_ROLES["Admin"]}))  # dev allows Op too
    handler.build.cache_clear()
    out = handler.handler(alb_event("/dev"), None)
    assert out["statusCode"] == 500 and "no access role is configured" in out["body"]


def test_session_names_are_valid_for_sts() -> None:
    assert session_name("alice@example.com") == "alice@example.com"
    assert session_name("Ä b/c") == "Ä-b-c" or session_name("Ä b/c") == "-b-c"
    assert len(session_name("x" * 100)) == 64
    assert session_name("a") == "sso-a"


@pytest.mark.parametrize("event", [
    {"httpMethod": "GET", "path": "/", "headers": ["host", "sso.example.com"]},
    {"httpMethod": "GET", "path": "/", "headers": "host: sso.example.com"},
    {"httpMethod": "GET", "path": "/", "multiValueHeaders": 7},
    {"httpMethod": "GET", "path": "/", "headers": {}, "queryStringParameters": ["env", "dev"]},
    {"httpMethod": "GET", "path": "/", "multiValueHeaders": {}, "multiValueQueryStringParameters": "env=dev"},
], ids=["headers-list", "headers-str", "multi-headers-int", "query-list", "multi-query-str"])
def test_malformed_alb_events_get_a_400_not_a_crash(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Review finding: ``headers`` that is not an object raised AttributeError out of the Lambda."""
    def no_app() -> Any:
        raise AssertionError("a rejected event must not build the app (no AWS, no keys)")

    monkeypatch.setattr(handler, "build", no_app)
    response = handler.handler(event, None)
    assert response["statusCode"] == 400
    assert "is not an object" in response["body"]


@pytest.mark.parametrize("key", ["path", "httpMethod"])
def test_a_non_string_path_or_method_is_rejected_without_logging_its_content(
        key: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Found by tests/fuzz/test_fuzz_sso.py in CI: a ``path`` that was an object holding a password was turned
    into a string and logged by the denial line. The ALB sends strings; anything else is a 400, logged by kind."""
    monkeypatch.setattr(handler, "build", lambda: (_ for _ in ()).throw(AssertionError("must not build the app")))
    event: dict[str, Any] = {"httpMethod": "GET", "path": "/", "headers": {}}
    event[key] = {"password": "s3cr3t-in-the-event"}
    response = handler.handler(event, None)
    assert response["statusCode"] == 400 and f"{key} is not a string" in response["body"]
    assert "s3cr3t-in-the-event" not in caplog.text + response["body"]
