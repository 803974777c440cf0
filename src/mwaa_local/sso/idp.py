"""A small OpenID Connect identity provider on loopback (Authlib + Flask), for the emulated ALB's sign-in.

Authorization code flow only: ``/.well-known/openid-configuration``, ``/authorize`` (a login form, then the
code), ``/token`` (client_secret_basic or client_secret_post; an RS256 ``id_token`` with the nonce),
``/userinfo`` (bearer access token: sub, email, name and the ``groups`` claim), ``/jwks`` and ``/logout``
(ends the IdP session: the ALB's logout_url). Users, passwords and groups are given at start; everything is
in memory. Emulation only: no consent screen, no refresh tokens, no CSRF token on the login form.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, Response, redirect, request, session
from joserfc.jwk import KeySet, RSAKey

from mwaa_local.sso.server import LoopbackServer

CODE_TTL_SECONDS = 60
TOKEN_TTL_SECONDS = 3600
SESSION_COOKIE = "mwaa_local_idp_session"  # not "session": Airflow 2's cookie on the same loopback host


@dataclass(frozen=True)
class User:
    username: str
    password: str
    email: str
    groups: tuple[str, ...] = ()
    name: str = ""

    @property
    def sub(self) -> str:
        return f"idp|{self.username}"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scope: str = "openid email profile"
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client_secret.encode(), (client_secret or "").encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    nonce: str | None
    auth_time: int
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class Token(TokenMixin):
    access_token: str
    client: Client
    user: User
    scope: str
    issued_at: float
    expires_in: int

    def check_client(self, client: ClientMixin) -> bool:
        return bool(client.get_client_id() == self.client.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> User:
        return self.user

    def get_client(self) -> Client:
        return self.client


def user_info(user: User, scope: str) -> UserInfo:
    info = UserInfo(sub=user.sub, name=user.name or user.username, preferred_username=user.username,
                    email=user.email, email_verified=True)
    filtered = info.filter(scope)
    filtered["groups"] = list(user.groups)  # a custom claim, always sent (as Okta / Entra send configured ones)
    return filtered


class IdentityProvider:
    """The IdP on ``127.0.0.1:<port>``; ``issuer`` is its base URL."""

    def __init__(self, users: list[User], clients: list[Client]) -> None:
        self.users = {u.username: u for u in users}
        self.clients = {c.client_id: c for c in clients}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.logins: list[str] = []  # usernames that signed in with a password, in order (for tests)
        self._lock = threading.Lock()
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})
        self.server = LoopbackServer()
        self.issuer = self.server.url
        self.server.app = self._app()

    # -- endpoints as the ALB is configured with them --------------------------------------------------------
    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/authorize"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def user_info_endpoint(self) -> str:
        return f"{self.issuer}/userinfo"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def logout_url(self) -> str:
        return f"{self.issuer}/logout"

    def start(self) -> IdentityProvider:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    # -- the Flask app ---------------------------------------------------------------------------------------
    def _app(self) -> Flask:
        app = Flask("mwaa_local_idp")
        app.config.update(SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_NAME=SESSION_COOKIE,
                          SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                          OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": TOKEN_TTL_SECONDS})
        idp = self

        def query_client(client_id: str) -> Client | None:
            return idp.clients.get(client_id)

        def save_token(token: Mapping[str, Any], req: Any) -> None:
            with idp._lock:
                idp.tokens[token["access_token"]] = Token(token["access_token"], req.client, req.user,
                                                          token.get("scope", ""), time.time(),
                                                          int(token.get("expires_in", TOKEN_TTL_SECONDS)))

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

            def save_authorization_code(self, code: str, req: Any) -> None:
                with idp._lock:
                    idp.codes[code] = Code(code, req.client.client_id, req.payload.redirect_uri or "",
                                           req.scope or "", req.user, req.payload.data.get("nonce"),
                                           int(time.time()), time.time() + CODE_TTL_SECONDS)

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                with idp._lock:
                    item = idp.codes.get(code)
                if item and item.client_id == client.client_id and time.time() < item.expires_at:
                    return item
                return None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                with idp._lock:
                    idp.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> User:
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce: str, req: Any) -> bool:
                with idp._lock:
                    return any(c.nonce == nonce and c.client_id == req.payload.client_id for c in idp.codes.values())

            def resolve_client_private_key(self, client: Client) -> KeySet:
                return KeySet([idp.key])

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": str(idp.key.kid)}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": idp.issuer, "aud": [client.client_id], "exp": int(time.time()) + TOKEN_TTL_SECONDS}

            def generate_user_info(self, user: User, scope: str) -> UserInfo:
                return user_info(user, scope)

        class UserInfoView(UserInfoEndpoint):
            def get_issuer(self) -> str:
                return idp.issuer

            def generate_user_info(self, user: User, scope: str) -> UserInfo:
                return user_info(user, scope)

        class Bearer(BearerTokenValidator):
            def authenticate_token(self, token_string: str) -> Token | None:
                with idp._lock:
                    return idp.tokens.get(token_string)

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
        server.register_grant(CodeGrant, [IdToken(require_nonce=True)])
        protector = ResourceProtector()
        protector.register_token_validator(Bearer())
        server.register_endpoint(UserInfoView(resource_protector=protector))

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return {"issuer": idp.issuer, "authorization_endpoint": idp.authorization_endpoint,
                    "token_endpoint": idp.token_endpoint, "userinfo_endpoint": idp.user_info_endpoint,
                    "jwks_uri": idp.jwks_uri, "end_session_endpoint": idp.logout_url,
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    "scopes_supported": ["openid", "email", "profile"],
                    "claims_supported": ["sub", "email", "name", "preferred_username", "groups"]}

        @app.get("/jwks")
        def jwks() -> Any:
            return {"keys": [idp.key.as_dict(private=False)]}

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            user = idp.users.get(session.get("user", ""))
            try:  # a bad client or redirect URI is refused before any form, and never redirected to
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as exc:
                return Response(f"Invalid authorization request: {exc.error}\n", 400, mimetype="text/plain")
            if request.method == "POST" and user is None:
                candidate = idp.users.get(request.form.get("username", ""))
                password = request.form.get("password", "")
                if candidate is None or not hmac.compare_digest(candidate.password.encode(), password.encode()):
                    return _login_page(request.args, "Unknown user or wrong password."), 401
                session["user"] = candidate.username
                idp.logins.append(candidate.username)
                user = candidate
            if user is None:
                return _login_page(request.args)
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token() -> Any:
            return server.create_token_response()

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo() -> Any:
            return server.create_endpoint_response("userinfo")

        @app.get("/logout")
        def logout() -> Any:
            session.clear()
            back = request.args.get("post_logout_redirect_uri", "")
            if back.startswith("http://127.0.0.1:"):
                return redirect(back)
            return Response("<!doctype html><html><head><title>Signed out</title></head><body>"
                            "<h1>Signed out of the identity provider</h1></body></html>", mimetype="text/html")

        return app


def _login_page(args: Mapping[str, str], error: str = "") -> Response:
    action = "/authorize?" + urlencode(dict(args))
    message = f"<p id='error' role='alert'>{escape(error)}</p>" if error else ""
    html = ("<!doctype html><html><head><meta charset='utf-8'><title>Sign in - local identity provider</title></head>"
            "<body><h1>Sign in</h1>" + message +
            f"<form method='post' action='{escape(action, quote=True)}'>"
            "<label>User <input id='username' name='username' autocomplete='username'></label> "
            "<label>Password <input id='password' name='password' type='password' autocomplete='current-password'>"
            "</label> <button id='signin' type='submit'>Sign in</button></form></body></html>")
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})
