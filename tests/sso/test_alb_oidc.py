"""The emulated ALB's authenticate-oidc against the local IdP, driven over HTTP (no browser, no AWS).

A recording Lambda target stands behind the listener; the x-amzn-oidc-data it receives is verified with the
authenticator's own code (``alb_jwt.verify`` + ``AlbPublicKeys`` on the ALB's key endpoint).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mwaa_local.sso.alb import AlbListener, OidcAction
from mwaa_local.sso.idp import Client, IdentityProvider, User
from mwaa_platform.sso.alb_jwt import Expectations, InvalidTokenError, verify
from mwaa_platform.sso.keys import AlbPublicKeys

ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/sso-local/0123456789abcdef"
CLIENT_ID, CLIENT_SECRET = "airflow-sso", "local-client-secret"


@dataclass
class Recorder:
    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: Any) -> Mapping[str, Any]:
        self.events.append(event)
        headers = {"Content-Type": ["text/plain"]}
        if event["path"] == "/logout":
            headers["Set-Cookie"] = ["AWSELBAuthSessionCookie-0=; Max-Age=0; Path=/; Secure; HttpOnly",
                                     "AWSELBAuthSessionCookie-1=; Max-Age=0; Path=/; Secure; HttpOnly"]
        return {"statusCode": 200, "statusDescription": "200 OK", "isBase64Encoded": False,
                "multiValueHeaders": headers, "body": f"target saw {event['path']}"}


@dataclass
class Stack:
    alb: AlbListener
    idp: IdentityProvider
    target: Recorder


@pytest.fixture
def stack() -> Iterator[Stack]:
    idp = IdentityProvider([User("alice", "alice-pw", "Alice@Example.com", ("data-eng", "viewers"), "Alice")], [])
    target = Recorder()
    oidc = OidcAction(issuer=idp.issuer, authorization_endpoint=idp.authorization_endpoint,
                      token_endpoint=idp.token_endpoint, user_info_endpoint=idp.user_info_endpoint,
                      client_id=CLIENT_ID, client_secret=CLIENT_SECRET, jwks_uri=idp.jwks_uri)
    alb = AlbListener(target, oidc, ["dev"], ALB_ARN)
    idp.clients[CLIENT_ID] = Client(CLIENT_ID, CLIENT_SECRET, (alb.redirect_uri,))
    idp.start()
    alb.start()
    try:
        yield Stack(alb, idp, target)
    finally:
        alb.stop()
        idp.stop()


def browser() -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    return http


def sign_in(http: requests.Session, stack: Stack, path: str = "/dev", password: str = "alice-pw") -> requests.Response:  # noqa: S107
    first = http.get(stack.alb.url + path, allow_redirects=False, timeout=10)
    assert first.status_code == 302 and first.headers["Location"].startswith(stack.idp.authorization_endpoint)
    form = http.get(first.headers["Location"], timeout=10)
    assert form.status_code == 200 and "<form" in form.text
    action = re.search(r"action='([^']+)'", form.text)
    assert action
    posted = http.post(stack.idp.issuer + action.group(1).replace("&amp;", "&"),
                       data={"username": "alice", "password": password}, allow_redirects=False, timeout=10)
    if posted.status_code != 302:
        return posted
    assert posted.headers["Location"].startswith(stack.alb.redirect_uri)
    return http.get(posted.headers["Location"], allow_redirects=True, timeout=10)


def test_code_flow_sets_the_session_and_forwards_signed_claims(stack: Stack) -> None:
    http = browser()
    landed = sign_in(http, stack, "/dev/some/page?role=Viewer")
    assert landed.status_code == 200 and landed.text == "target saw /dev/some/page"
    assert "AWSELBAuthSessionCookie-0" in http.cookies and "AWSELBAuthNonce" not in http.cookies
    event = stack.target.events[-1]
    headers = event["multiValueHeaders"]
    assert event["multiValueQueryStringParameters"] == {"role": ["Viewer"]}
    token = headers["x-amzn-oidc-data"][0]
    segments = token.split(".")
    assert all(len(s) % 4 == 0 for s in segments)  # the ALB pads its base64url segments
    header = json.loads(base64.urlsafe_b64decode(segments[0]))
    assert header["alg"] == "ES256" and header["signer"] == ALB_ARN and header["client"] == CLIENT_ID
    assert header["iss"] == stack.idp.issuer and header["kid"] == stack.alb.signer.kid
    keys = AlbPublicKeys(stack.alb.key_url)
    claims = verify(token, Expectations(ALB_ARN, stack.idp.issuer, CLIENT_ID), keys.get)
    assert claims["email"] == "Alice@Example.com" and claims["groups"] == ["data-eng", "viewers"]
    assert headers["x-amzn-oidc-identity"] == [claims["sub"]] == ["idp|alice"]
    assert headers["x-amzn-oidc-accesstoken"][0] and headers["x-forwarded-proto"] == ["https"]
    with pytest.raises(InvalidTokenError, match="not signed by this load balancer"):
        verify(token, Expectations(ALB_ARN.replace("sso-local", "other"), stack.idp.issuer, CLIENT_ID), keys.get)

    # signed in: no second trip to the IdP, and the IdP asked for the password once
    again = http.get(stack.alb.url + "/", allow_redirects=False, timeout=10)
    assert again.status_code == 200 and again.text == "target saw /"
    assert stack.idp.logins == ["alice"]


def test_client_sent_oidc_headers_never_reach_the_target(stack: Stack) -> None:
    http = browser()
    sign_in(http, stack)
    http.get(stack.alb.url + "/dev", headers={"x-amzn-oidc-data": "forged", "X-Amzn-Oidc-Identity": "root"},
             timeout=10)
    headers = stack.target.events[-1]["multiValueHeaders"]
    assert headers["x-amzn-oidc-data"] != ["forged"] and headers["x-amzn-oidc-identity"] == ["idp|alice"]
    # /logout forwards without sign-in, and without any oidc header even when the client sends one
    out = browser().get(stack.alb.url + "/logout", headers={"x-amzn-oidc-data": "forged"}, timeout=10)
    assert out.status_code == 200 and out.text == "target saw /logout"
    assert not any(k.startswith("x-amzn-oidc-") for k in stack.target.events[-1]["multiValueHeaders"])


def test_rules_404_and_refused_callbacks(stack: Stack) -> None:
    http = browser()
    unknown = http.get(stack.alb.url + "/elsewhere", allow_redirects=False, timeout=10)
    assert unknown.status_code == 404 and "Not found" in unknown.text
    assert stack.target.events == []
    # a callback without the state this browser started, or a replayed code, is refused
    forged = http.get(stack.alb.redirect_uri + "?code=abc&state=nope", allow_redirects=False, timeout=10)
    assert forged.status_code == 401
    start = http.get(stack.alb.url + "/dev", allow_redirects=False, timeout=10)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    other_browser = browser()
    stolen = other_browser.get(f"{stack.alb.redirect_uri}?code=abc&state={state}", allow_redirects=False, timeout=10)
    assert stolen.status_code == 401  # no AWSELBAuthNonce cookie of this sign-in
    wrong = sign_in(browser(), stack, password="wrong")
    assert wrong.status_code == 401 and "wrong password" in wrong.text
    assert stack.target.events == []


def test_idp_refuses_unknown_clients_and_redirect_uris(stack: Stack) -> None:
    http = browser()
    bad_client = http.get(stack.idp.authorization_endpoint, params={
        "client_id": "nobody", "redirect_uri": stack.alb.redirect_uri, "response_type": "code", "scope": "openid",
        "state": "s", "nonce": "n"}, allow_redirects=False, timeout=10)
    bad_redirect = http.get(stack.idp.authorization_endpoint, params={
        "client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1:1/steal", "response_type": "code",
        "scope": "openid", "state": "s", "nonce": "n"}, allow_redirects=False, timeout=10)
    assert bad_client.status_code == 400 and bad_redirect.status_code == 400
    config = http.get(stack.idp.issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert config["issuer"] == stack.idp.issuer and config["token_endpoint"] == stack.idp.token_endpoint
