"""Lambda entry point for the ALB target group: build the app once per container, then route requests."""

from __future__ import annotations

import functools
import logging
from typing import Any

from mwaa_platform import logs
from mwaa_platform.sso import alb, app, pages, redact, settings
from mwaa_platform.sso.alb_jwt import Expectations, verify
from mwaa_platform.sso.authz import AuthorizationTable
from mwaa_platform.sso.keys import AlbPublicKeys, default_base_url
from mwaa_platform.sso.weblogin import WebLogin

log = logging.getLogger("mwaa_platform.sso")


def configure_logging() -> None:
    """The entry points' logging (mwaa_platform.logs) plus the filter that redacts tokens and credentials."""
    logs.configure()
    redact.install()


@functools.cache
def build() -> app.App:
    configure_logging()
    conf = settings.from_env()
    keys = AlbPublicKeys(conf.key_url_base or default_base_url(conf.region))
    expect = Expectations(signer=conf.alb_arn, issuer=conf.expected_issuer, client_id=conf.expected_client_id)
    return app.App(
        settings=conf,
        verify=functools.partial(_verify, expect=expect, keys=keys),
        grants=AuthorizationTable(conf.table_name, conf.region),
        login=web_login(),
    )


def web_login() -> WebLogin:
    """The token issuer (a seam for tests, which stub the MWAA API that the emulator lacks)."""
    return WebLogin()


def _verify(token: str, expect: Expectations, keys: AlbPublicKeys) -> dict[str, Any]:
    return verify(token, expect, keys.get)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = alb.parse(event)
    except ValueError as exc:
        log.warning("sso rejected event: %s", exc)
        return pages.bad_request(str(exc)).to_alb(multi_value=True)
    try:
        response = build().handle(request)
    except settings.ConfigError as exc:
        log.error("sso misconfigured: %s", exc)
        response = pages.page(500, "Sign-in is misconfigured", ["Tell the platform team: " + str(exc)])
    except Exception as exc:
        log.error("sso failed: %s", type(exc).__name__)
        response = pages.page(500, "Sign-in failed", ["An unexpected error occurred; try again."])
    return response.to_alb(request.multi_value)
