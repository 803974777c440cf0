"""No token or credential reaches the logs: the ALB JWT, the web login token, STS keys, the OIDC access token.

The flows run through the real handler with the product's logging configuration, but with the redacting
filter removed, so a pass proves that no code path hands a secret to a logger (the filter is tested apart).
The root logger is turned to DEBUG, which also proves botocore's body dumps stay silenced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from mwaa_platform import logs
from mwaa_platform.sso import handler, redact
from sso.albtokens import SigningKey, alb_token
from sso.helpers import alb_event
from sso.test_handler import WEB_TOKEN, StubbedMwaa, lambda_env, mwaa  # noqa: F401 fixtures

pytestmark = pytest.mark.emulator


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET}
    root_level = logging.getLogger().level
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().setLevel(root_level)
    for owner in [logging.getLogger(), *logging.getLogger().handlers]:
        for f in [f for f in owner.filters if isinstance(f, redact.RedactingFilter)]:
            owner.removeFilter(f)


def _unfiltered() -> None:
    handler.build()  # installs the product's logging configuration
    logging.getLogger().setLevel(logging.DEBUG)
    for owner in [logging.getLogger(), *logging.getLogger().handlers]:
        for f in [f for f in owner.filters if isinstance(f, redact.RedactingFilter)]:
            owner.removeFilter(f)


def test_no_token_or_credential_in_logs(lambda_env: str, mwaa: StubbedMwaa, signing_key: SigningKey,  # noqa: F811
                                        debug_logs: pytest.LogCaptureFixture) -> None:
    _unfiltered()
    good = alb_token(signing_key, {"sub": "1", "email": "alice@example.com", "groups": ["g1"]})
    forged = alb_token(signing_key, {"sub": "1", "email": "alice@example.com"}, sign_with=SigningKey())
    expired = alb_token(signing_key, {"email": "alice@example.com"}, exp=1)
    outs = [
        handler.handler(alb_event("/dev", good, cookies="AWSELBAuthSessionCookie-0=sessionsecret0"), None),
        handler.handler(alb_event("/dev", forged), None),
        handler.handler(alb_event("/dev", expired), None),
        handler.handler(alb_event("/", good), None),
        handler.handler(alb_event("/logout", cookies="AWSELBAuthSessionCookie-0=sessionsecret0"), None),
    ]
    mwaa.error = "AccessDeniedException"
    outs.append(handler.handler(alb_event("/dev", good), None))
    assert [o["statusCode"] for o in outs] == [302, 401, 401, 200, 302, 502]
    assert len(mwaa.seen) == 2

    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in debug_logs.records)
    # the flows did log (so an empty capture cannot pass): logins, denials and the logout are all recorded
    assert "sso login: user=alice@example.com environment=dev" in text
    assert "sso denied: reason=token signature does not verify" in text
    assert "sso web login failed" in text and "sso logout" in text
    secrets = {"alb jwt": good, "forged jwt": forged, "expired jwt": expired, "web token": WEB_TOKEN,
               "session cookie": "sessionsecret0"}
    for token in (good, forged, expired):
        secrets |= {f"jwt segment {i}": part for i, part in enumerate(token.split(".")) if len(part) > 20}
    for n, creds in enumerate(mwaa.seen):
        secrets |= {f"access key {n}": creds["AccessKeyId"], f"secret key {n}": creds["SecretAccessKey"],
                    f"session token {n}": creds["SessionToken"]}
    leaked = [name for name, value in secrets.items() if value and value in text]
    assert leaked == []


def test_redacting_filter_masks_secret_shapes(caplog: pytest.LogCaptureFixture,
                                             signing_key: SigningKey) -> None:
    jwt_text = alb_token(signing_key, {"email": "a@b.c"})
    log = logging.getLogger("sso.test.redaction")
    log.addFilter(redact.RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="sso.test.redaction"):
            log.info("header %s", jwt_text)
            log.info("creds %s", {"AccessKeyId": "ASIAABCDEFGHIJKLMNOP", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
                                  "SessionToken": "FwoGZXIvYXdzEBca"})
            log.info("redirect https://h/aws_mwaa/aws-console-sso?login=true#abcdef123")
            log.info("client_secret=hunter2 and web_token: zzz")
            try:
                raise RuntimeError(f"boom {jwt_text}")
            except RuntimeError:
                log.exception("failed")
    finally:
        log.filters.clear()
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in (jwt_text, "ASIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI", "FwoGZXIvYXdzEBca", "abcdef123", "hunter2",
                   "zzz"):
        assert secret not in text
    assert text.count(redact.MASK) >= 7
    assert "details redacted" in text
