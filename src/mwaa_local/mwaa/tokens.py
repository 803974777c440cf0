"""Short-lived web login / CLI tokens, signed with the environment's secret (stdlib only).

The local MWAA mints them (CreateWebLoginToken, CreateCliToken) and the Airflow plugin inside the
environment verifies them, so this module must import nothing outside the standard library: it runs in
the Airflow virtualenvs too. Tokens expire after 60 seconds, like MWAA's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

PREFIX = "mwaa-local"
TTL_SECONDS = 60
KINDS = ("web", "cli")
ROLES = ("Admin", "Op", "User", "Viewer", "Public")  # MWAA's Airflow roles (rbac-role resources)


class TokenError(ValueError):
    """The token is malformed, forged, of the wrong kind or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(bytes.fromhex(secret), f"{PREFIX}.{payload}".encode(), hashlib.sha256).digest())


def mint(secret: str, kind: str, subject: str, role: str = "Admin", ttl: int = TTL_SECONDS,
         now: float | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(f"token kind must be one of {KINDS}")
    if role not in ROLES:
        raise ValueError(f"token role must be one of {ROLES}")
    issued = int(now if now is not None else time.time())
    claims = {"kind": kind, "sub": subject, "role": role, "iat": issued, "exp": issued + ttl,
              "jti": secrets.token_hex(8)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{PREFIX}.{payload}.{_sign(secret, payload)}"


def verify(secret: str, token: str, kind: str, now: float | None = None) -> dict[str, Any]:
    """The token's claims if it is genuine, of ``kind`` and unexpired; TokenError otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenError("malformed token")
    if not hmac.compare_digest(_sign(secret, parts[1]), parts[2]):
        raise TokenError("invalid token signature")
    try:
        claims: dict[str, Any] = json.loads(_unb64(parts[1]))
    except ValueError:
        raise TokenError("malformed token payload") from None
    if claims.get("kind") != kind:
        raise TokenError(f"not a {kind} token")
    if claims.get("role", "Admin") not in ROLES:
        raise TokenError("unknown Airflow role")
    if (now if now is not None else time.time()) > float(claims.get("exp", 0)):
        raise TokenError("token expired")
    return claims
