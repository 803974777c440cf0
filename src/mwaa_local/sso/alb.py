"""An emulated ALB HTTPS listener with ``authenticate-oidc`` in front of a Lambda target (emulation only).

What modules/sso-alb configures, done the way the ALB does it:

- rules: ``/logout`` forwards without sign-in (priority 1); ``/``, ``/<key>`` and ``/<key>/*`` sign in, then
  forward; ``/oauth2/idpresponse`` is the ALB's own callback; anything else gets the listener's fixed 404.
- sign-in: no valid session cookie -> 302 to the IdP's authorization endpoint (code flow, ``state``,
  ``nonce``, the ``AWSELBAuthNonce`` cookie binding the browser to the state). The callback exchanges the code
  at the token endpoint (client_secret_basic, Authlib's OAuth2 client), verifies the ``id_token`` (RS256 via
  the IdP's JWKS, issuer, audience, nonce; PyJWT), fetches the user claims from the user info endpoint,
  and sets the session cookie ``<session_cookie_name>-0`` before redirecting to the original URL.
- forwarding: the target gets an ALB Lambda event (multi-value headers, as the module enables) with
  ``x-amzn-oidc-accesstoken``, ``x-amzn-oidc-identity`` (the ``sub``) and ``x-amzn-oidc-data``: the user claims
  signed ES256 by this ALB, header ``{typ, kid, alg, iss, client, signer, exp}``, base64url segments *with*
  padding. The public key is served as PEM at ``<key endpoint>/<kid>`` like
  ``public-keys.auth.elb.<region>.amazonaws.com``. Client-sent ``x-amzn-oidc-*`` headers are dropped.

Differences from the real ALB: plain HTTP on loopback (no TLS listener, so its cookies are not ``Secure``
and ``SameSite=Lax``), the session is kept server-side
(the cookie is an opaque random id, not the ALB's encrypted claims), no refresh of the IdP tokens, the
session ends at ``session_timeout`` only, and the target is a Python callable (the Lambda handler in-process).
Nothing here logs a token, a code, a cookie value or a secret.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from werkzeug.wrappers import Request, Response

from mwaa_local.sso.server import LoopbackServer

log = logging.getLogger(__name__)
LambdaTarget = Callable[[dict[str, Any], Any], Mapping[str, Any]]
HTTP_TIMEOUT_SECONDS = 5
CALLBACK_PATH = "/oauth2/idpresponse"
NONCE_COOKIE = "AWSELBAuthNonce"
PENDING_TTL_SECONDS = 900
DATA_TTL_SECONDS = 120
SECURE_COOKIES = False  # the real listener is HTTPS and marks them Secure; this one is plain HTTP on loopback
NOT_FOUND_BODY = "Not found. Open / for the Airflow environments you can use."


@dataclass(frozen=True)
class OidcAction:
    """The listener's authenticate-oidc settings (the module's ``oidc`` variable)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    user_info_endpoint: str
    client_id: str
    client_secret: str
    jwks_uri: str
    scope: str = "openid email profile"
    session_cookie_name: str = "AWSELBAuthSessionCookie"
    session_timeout: int = 28800


@dataclass
class _Session:
    claims: dict[str, Any]
    access_token: str
    expires_at: float


@dataclass
class _Pending:
    nonce: str
    browser: str          # the AWSELBAuthNonce cookie value
    original_url: str
    expires_at: float


def _b64(data: bytes) -> str:
    """base64url *with* padding, as the ALB encodes the x-amzn-oidc-data segments."""
    return base64.urlsafe_b64encode(data).decode()


@dataclass
class AlbSigner:
    """The ALB's ES256 key pair for x-amzn-oidc-data, and the key endpoint app serving its public key."""

    alb_arn: str
    kid: str = field(default_factory=lambda: secrets.token_hex(16))
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, claims: Mapping[str, Any], issuer: str, client_id: str, ttl: int = DATA_TTL_SECONDS) -> str:
        exp = int(time.time()) + ttl
        header = {"typ": "JWT", "kid": self.kid, "alg": "ES256", "iss": issuer, "client": client_id,
                  "signer": self.alb_arn, "exp": exp}
        payload = {**claims, "iss": issuer, "exp": exp}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
        signature = ECAlgorithm(ECAlgorithm.SHA256).sign(signing_input.encode(), self.private_key)
        return f"{signing_input}.{_b64(signature)}"

    def key_endpoint(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "GET" and request.path.strip("/") == self.kid:
            response = Response(self.public_pem, mimetype="application/x-pem-file")
        else:
            response = Response("not found", 404, mimetype="text/plain")
        return response(environ, start_response)


class AlbListener:
    """The listener on ``127.0.0.1:<port>`` and its key endpoint on another loopback port."""

    def __init__(self, target: LambdaTarget, oidc: OidcAction, environment_keys: list[str], alb_arn: str,
                 target_group_arn: str = "") -> None:
        self.target = target
        self.oidc = oidc
        self.environment_keys = set(environment_keys)
        self.signer = AlbSigner(alb_arn)
        self.target_group_arn = target_group_arn or alb_arn.replace(":loadbalancer/app/", ":targetgroup/")
        self._sessions: dict[str, _Session] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._jwks: jwt.PyJWKSet | None = None
        self.invocations: list[str] = []   # paths the target was invoked with (for tests)
        self.server = LoopbackServer(self._wsgi)
        self.keys = LoopbackServer(self.signer.key_endpoint)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def key_url(self) -> str:
        """What the authenticator is configured with (MWAA_SSO_KEY_URL / authenticator.key_url_base)."""
        return self.keys.url

    @property
    def redirect_uri(self) -> str:
        return self.url + CALLBACK_PATH

    @property
    def cookie(self) -> str:
        return f"{self.oidc.session_cookie_name}-0"

    def start(self) -> AlbListener:
        self.keys.start()
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.keys.stop()

    # -- routing ---------------------------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.route(request)
        except Exception as exc:  # the ALB answers 502 when the target fails
            log.error("alb: %s on %s", type(exc).__name__, request.path)
            response = Response("502 Bad Gateway", 502, mimetype="text/plain")
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == CALLBACK_PATH:
            return self.callback(request)
        if path == "/logout":
            return self.forward(request, None)
        first = path.strip("/").split("/", 1)[0]
        if path == "/" or first in self.environment_keys:
            session = self._session(request)
            if session is None:
                return self.authenticate(request)
            return self.forward(request, session)
        return Response(NOT_FOUND_BODY, 404, mimetype="text/plain")

    # -- authenticate-oidc -----------------------------------------------------------------------------------
    def _session(self, request: Request) -> _Session | None:
        sid = request.cookies.get(self.cookie, "")
        with self._lock:
            session = self._sessions.get(sid) if sid else None
            if session is not None and session.expires_at < time.time():
                self._sessions.pop(sid, None)
                session = None
        return session

    def authenticate(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("401 Authorization Required", 401, mimetype="text/plain")
        state, nonce, browser = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self._lock:
            now = time.time()
            for key in [k for k, p in self._pending.items() if p.expires_at < now]:
                del self._pending[key]
            self._pending[state] = _Pending(nonce, browser, request.full_path if request.query_string else request.path,
                                            now + PENDING_TTL_SECONDS)
        query = urlencode({"client_id": self.oidc.client_id, "redirect_uri": self.redirect_uri,
                           "response_type": "code", "scope": self.oidc.scope, "state": state, "nonce": nonce})
        response = Response(status=302, headers={"Location": f"{self.oidc.authorization_endpoint}?{query}",
                                                 "Cache-Control": "no-cache, no-store"})
        response.set_cookie(NONCE_COOKIE, browser, max_age=PENDING_TTL_SECONDS, path="/", httponly=True,
                            secure=SECURE_COOKIES, samesite="Lax")
        return response

    def callback(self, request: Request) -> Response:
        state, code = request.args.get("state", ""), request.args.get("code", "")
        with self._lock:
            pending = self._pending.pop(state, None)
        if pending is None or pending.expires_at < time.time() or not code \
                or not secrets.compare_digest(pending.browser, request.cookies.get(NONCE_COOKIE, "")):
            log.warning("alb: sign-in callback refused (unknown or expired state, or no code)")
            return Response("401 Authorization Required", 401, mimetype="text/plain")
        try:
            claims, access_token = self._exchange(code, pending.nonce)
        except (requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as exc:
            log.warning("alb: sign-in failed at the IdP: %s", type(exc).__name__)
            return Response("401 Authorization Required", 401, mimetype="text/plain")
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = _Session(claims, access_token, time.time() + self.oidc.session_timeout)
        response = Response(status=302, headers={"Location": pending.original_url})
        response.set_cookie(self.cookie, sid, max_age=self.oidc.session_timeout, path="/", httponly=True,
                            secure=SECURE_COOKIES, samesite="Lax")
        response.delete_cookie(NONCE_COOKIE, path="/", secure=SECURE_COOKIES, httponly=True, samesite="Lax")
        return response

    def _exchange(self, code: str, nonce: str) -> tuple[dict[str, Any], str]:
        """Code -> tokens (Authlib), id_token verified (PyJWT), user claims from the user info endpoint."""
        with OAuth2Session(self.oidc.client_id, self.oidc.client_secret, scope=self.oidc.scope,
                           redirect_uri=self.redirect_uri, token_endpoint_auth_method="client_secret_basic") as idp:  # noqa: S106
            idp.trust_env = False  # loopback IdP: never through a proxy
            token = idp.fetch_token(self.oidc.token_endpoint, code=code, grant_type="authorization_code",
                                    timeout=HTTP_TIMEOUT_SECONDS)
            id_claims = self._verify_id_token(str(token["id_token"]), nonce)
            answer = idp.get(self.oidc.user_info_endpoint, timeout=HTTP_TIMEOUT_SECONDS)
            answer.raise_for_status()
            claims: dict[str, Any] = answer.json()
        if claims.get("sub") != id_claims.get("sub"):
            raise ValueError("user info is about another subject than the id_token")
        return claims, str(token["access_token"])

    def _verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(id_token).get("kid")
        keys = self._jwks
        if keys is None or not any(k.key_id == kid for k in keys.keys):
            http = requests.Session()
            http.trust_env = False
            answer = http.get(self.oidc.jwks_uri, timeout=HTTP_TIMEOUT_SECONDS)
            answer.raise_for_status()
            keys = self._jwks = jwt.PyJWKSet.from_dict(answer.json())
        key = next(k for k in keys.keys if k.key_id == kid)
        claims: dict[str, Any] = jwt.decode(id_token, key=key, algorithms=["RS256"], audience=self.oidc.client_id,
                                            issuer=self.oidc.issuer, leeway=10)
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise ValueError("id_token nonce does not match")
        return claims

    # -- forward to the Lambda target ------------------------------------------------------------------------
    def event(self, request: Request, session: _Session | None) -> dict[str, Any]:
        headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            lower = name.lower()
            if not lower.startswith("x-amzn-oidc-"):
                headers.setdefault(lower, []).append(value)
        client = request.remote_addr or "127.0.0.1"
        headers["x-forwarded-for"] = [client]
        headers["x-forwarded-proto"] = ["https"]
        headers["x-forwarded-port"] = ["443"]
        headers["x-amzn-trace-id"] = [f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"]
        if session is not None:
            headers["x-amzn-oidc-accesstoken"] = [session.access_token]
            headers["x-amzn-oidc-identity"] = [str(session.claims.get("sub", ""))]
            headers["x-amzn-oidc-data"] = [self.signer.sign(session.claims, self.oidc.issuer, self.oidc.client_id)]
        query: dict[str, list[str]] = {}
        # the ALB passes query parameters as sent (not URL-decoded) to a Lambda target
        for pair in request.query_string.decode("latin-1").split("&") if request.query_string else []:
            name, _, value = pair.partition("=")
            query.setdefault(name, []).append(value)
        body = request.get_data()
        return {"requestContext": {"elb": {"targetGroupArn": self.target_group_arn}},
                "httpMethod": request.method, "path": request.path, "multiValueQueryStringParameters": query,
                "multiValueHeaders": headers, "body": base64.b64encode(body).decode() if body else "",
                "isBase64Encoded": bool(body)}

    def forward(self, request: Request, session: _Session | None) -> Response:
        self.invocations.append(request.path)
        result = self.target(self.event(request, session), None)
        status = int(result.get("statusCode", 502))
        raw_body = str(result.get("body") or "")
        body = base64.b64decode(raw_body) if result.get("isBase64Encoded") else raw_body.encode()
        response = Response(body, status)
        response.headers.clear()
        multi = result.get("multiValueHeaders")
        pairs = ([(k, v) for k, values in multi.items() for v in values] if isinstance(multi, Mapping)
                 else list((result.get("headers") or {}).items()))
        for name, value in pairs:
            response.headers.add(str(name), str(value))
        return response

