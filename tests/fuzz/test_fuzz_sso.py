"""Fuzzed SSO Lambda (ALB target): any JSON in -> an ALB response out, never an exception or a 500.

A request the app refuses (4xx) makes no AWS call; tokens, cookies and secret-named fields never reach the
logs or the page. The app is the production one (settings from the environment, real JWT verification
against a local key endpoint); AWS is the recording stand-in, so nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fuzz_support import SECRET, AwsCalls, field_swaps, json_values, mutations, with_secrets
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.sso import handler
from sso.albtokens import KeyServer, SigningKey, alb_token, key_server
from sso.helpers import alb_event, env_vars

KEYS = ("httpMethod", "path", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "host", "cookie", "x-amzn-oidc-data", "role", "requestContext")


@pytest.fixture(scope="module")
def keys() -> Iterator[KeyServer]:
    with key_server() as server:
        yield server


@pytest.fixture(scope="module")
def forged_token(keys: KeyServer) -> str:
    """A well-formed ALB token signed by a key the ALB never published, carrying the secret as a claim."""
    return alb_token(SigningKey(), {"email": "mallory@example.com", "password": SECRET})


@pytest.fixture
def sso_app(aws_calls: AwsCalls, keys: KeyServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsCalls]:
    for key, value in env_vars("sso-fuzz", keys).items():
        monkeypatch.setenv(key, value)
    handler.build.cache_clear()
    yield aws_calls
    handler.build.cache_clear()


def _events(token: str) -> st.SearchStrategy[Any]:
    valid = alb_event("/dev", token=token, cookies=f"AWSELBAuthSessionCookie-0={SECRET}", query={"role": "Op"})
    single = {**valid, "headers": {k: v[0] for k, v in valid["multiValueHeaders"].items()}}
    del single["multiValueHeaders"]
    return st.one_of(json_values(KEYS), with_secrets(valid), mutations(valid, KEYS), mutations(single, KEYS),
                     field_swaps(valid, KEYS), field_swaps(single, KEYS))


def _check(response: Any, calls: AwsCalls, logs: pytest.LogCaptureFixture) -> None:
    assert isinstance(response, dict) and isinstance(response.get("statusCode"), int)
    assert response["statusCode"] != 500, response.get("body")  # a 500 here is a crash the handler swallowed
    if response["statusCode"] >= 400:
        assert calls.calls == []
    assert SECRET not in logs.text
    assert SECRET not in str(response.get("body"))


@given(data=st.data())
def test_any_event_gets_a_response(data: st.DataObject, sso_app: AwsCalls, forged_token: str,
                                   all_logs: pytest.LogCaptureFixture) -> None:
    event = data.draw(_events(SECRET) | _events(forged_token))
    sso_app.reset()
    all_logs.clear()
    _check(handler.handler(event, None), sso_app, all_logs)
