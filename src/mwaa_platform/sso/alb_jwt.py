"""Verification of the ``x-amzn-oidc-data`` JWT that the ALB adds after authenticate-oidc.

The ALB signs with ES256 and puts ``kid``, ``signer`` (its own ARN), ``iss``, ``client`` and ``exp`` in the
JWT *header*; the payload holds the IdP's user claims. Its segments are base64url *with* padding, which PyJWT
accepts (the signature covers the segments as sent). Checks run cheapest first, and the header is trusted
for nothing until the signature is verified: the ``signer`` and ``kid`` checks only decide whether a key is
fetched at all, so a forged header cannot make us fetch arbitrary URLs or accept another ALB's token.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from mwaa_platform.sso.keys import KeyFetchError, check_kid

MAX_TOKEN_BYTES = 16 * 1024
LEEWAY_SECONDS = 10


class InvalidTokenError(Exception):
    """The token is not a valid ALB token for this load balancer. The message never contains the token."""


@dataclass(frozen=True)
class Expectations:
    signer: str                      # this ALB's ARN
    issuer: str | None = None        # the IdP issuer configured on the listener
    client_id: str | None = None     # the OIDC client id configured on the listener


def _b64json(segment: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw)
    except (ValueError, TypeError):
        raise InvalidTokenError("token header is not base64url JSON") from None
    if not isinstance(value, dict):
        raise InvalidTokenError("token header is not a JSON object")
    return value


def _check_header(header: dict[str, Any], expect: Expectations, now: float) -> str:
    if header.get("alg") != "ES256":
        raise InvalidTokenError("token algorithm is not ES256")
    if header.get("signer") != expect.signer:
        raise InvalidTokenError("token was not signed by this load balancer")
    try:
        kid = check_kid(header.get("kid"))
    except KeyFetchError:
        raise InvalidTokenError("token key id has an unexpected shape") from None
    exp = header.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidTokenError("token has no expiry")
    if exp + LEEWAY_SECONDS < now:
        raise InvalidTokenError("token has expired")
    if expect.issuer is not None and header.get("iss") != expect.issuer:
        raise InvalidTokenError("token issuer is not the configured identity provider")
    if expect.client_id is not None and header.get("client") != expect.client_id:
        raise InvalidTokenError("token was issued for another OIDC client")
    return kid


def verify(token: str, expect: Expectations, public_key: Callable[[str], ec.EllipticCurvePublicKey],
           now: float | None = None) -> dict[str, Any]:
    """The verified user claims of ``token``; InvalidTokenError (reason only) for anything else."""
    if not token or len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
        raise InvalidTokenError("token is missing or malformed")
    now = time.time() if now is None else now
    kid = _check_header(_b64json(token.split(".", 1)[0]), expect, now)
    try:
        key = public_key(kid)
    except KeyFetchError as exc:
        raise InvalidTokenError(f"signing key unavailable: {exc}") from None
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key=key, algorithms=["ES256"], leeway=LEEWAY_SECONDS,
            options={"verify_aud": False, "verify_iss": False, "verify_exp": True},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidTokenError("token has expired") from None
    except jwt.InvalidSignatureError:
        raise InvalidTokenError("token signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(f"token rejected: {type(exc).__name__}") from None
    return claims
