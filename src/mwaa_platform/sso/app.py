"""Request routing for the authenticator: verify -> authorize -> web login token -> redirect; logout.

Paths: ``/logout`` (no token needed: the ALB rule for it does not authenticate), ``/<environment key>``
(or ``/`` on a host name mapped to an environment) opens that environment, ``/`` on any other host lists
what the user may open. ``?role=<Airflow role>`` asks for a lower role than the highest granted one.
Log lines carry the user, the environment, the role and the reason, never a token or credential.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mwaa_platform.sso import authz, pages, roles
from mwaa_platform.sso.alb import Request, Response
from mwaa_platform.sso.alb_jwt import InvalidTokenError
from mwaa_platform.sso.settings import Environment, Settings
from mwaa_platform.sso.weblogin import WebLoginError

log = logging.getLogger("mwaa_platform.sso")
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


class GrantSource(Protocol):
    def grants_for(self, principals: list[str], environments: list[str]) -> list[authz.Grant]: ...


class LoginIssuer(Protocol):
    def redirect_url(self, environment_name: str, region: str, role_arn: str, user: str) -> str: ...


@dataclass
class App:
    settings: Settings
    verify: Callable[[str], dict[str, Any]]      # token -> verified claims, InvalidTokenError otherwise
    grants: GrantSource
    login: LoginIssuer

    def handle(self, request: Request) -> Response:
        if request.method != "GET":  # a HEAD probe must not mint a web login token
            return pages.method_not_allowed()
        if request.path.rstrip("/") == "/logout":
            return self.logout(request)
        try:
            claims = self.verify(request.oidc_data)
            principals = authz.principals_from_claims(claims, self.settings.user_claim, self.settings.groups_claim)
        except (InvalidTokenError, ValueError) as exc:
            log.warning("sso denied: reason=%s path=%s", exc, _safe(request.path))
            return pages.not_signed_in(str(exc))
        user = principals[0].removeprefix("user:")
        segment = request.path.strip("/").split("/", 1)[0]
        if segment:
            environment = self.settings.environments.get(segment)
            if environment is None:
                return pages.not_found(segment)
        else:  # "/" opens the environment mapped to the host name, else lists what the user may open
            environment = self.settings.environment_for_host(request.host)
            if environment is None:
                return self.index(user, principals)
        return self.open(user, principals, environment, request.query.get("role"))

    def open(self, user: str, principals: list[str], env: Environment, requested: str | None) -> Response:
        granted = self._granted(principals, [env.key]).get(env.key)
        wanted = granted
        if requested:
            try:
                wanted = roles.canonical_role(requested)
            except ValueError as exc:
                return pages.bad_request(str(exc))
        if granted is None or wanted is None or wanted not in env.allowed_roles \
                or roles.rank(wanted) > roles.rank(granted):
            log.warning("sso denied: user=%s environment=%s granted=%s requested=%s",
                        user, env.key, granted, wanted if requested else None)
            return pages.forbidden(user, env.key, granted, requested)
        try:
            location = self.login.redirect_url(env.name, env.region, self.settings.access_roles[wanted], user)
        except WebLoginError as exc:
            log.error("sso web login failed: user=%s environment=%s role=%s code=%s", user, env.key, wanted, exc.code)
            return pages.unavailable(env.key, exc.code)
        log.info("sso login: user=%s environment=%s mwaa=%s role=%s", user, env.key, env.name, wanted)
        return Response(302).add("Location", location)

    def index(self, user: str, principals: list[str]) -> Response:
        granted = self._granted(principals, list(self.settings.environments))
        if not granted:
            log.warning("sso denied: user=%s environment=- granted=none", user)
            return pages.no_environments(user)
        rows = [(key, self.settings.environments[key].name, role) for key, role in sorted(granted.items())]
        return pages.index(user, rows)

    def logout(self, request: Request) -> Response:
        name = self.settings.cookie_name
        shard = re.compile(rf"^{re.escape(name)}-\d+$")
        # ALB splits a large session cookie into -0, -1, ...: expire all it sent, and the first two regardless
        names = sorted({*(c for c in request.cookies if shard.match(c)), f"{name}-0", f"{name}-1"})
        if self.settings.logout_url:
            response = Response(302).add("Location", self.settings.logout_url)
        else:
            response = pages.signed_out()
        for cookie in names:
            response.add("Set-Cookie", f"{cookie}=; Expires={EXPIRED}; Max-Age=0; Path=/; Secure; HttpOnly")
        log.info("sso logout: cookies_cleared=%d", len(names))
        return response

    def _granted(self, principals: list[str], environments: list[str]) -> Mapping[str, str]:
        """environment key -> highest granted role that the environment also allows."""
        best: dict[str, str] = {}
        for grant in self.grants.grants_for(principals, environments):
            env = self.settings.environments.get(grant.environment)
            if env is None or grant.rbac_role not in env.allowed_roles:
                continue
            current = best.get(grant.environment)
            if current is None or roles.rank(grant.rbac_role) > roles.rank(current):
                best[grant.environment] = grant.rbac_role
        return best


def _safe(path: str) -> str:
    """A path fit for a log line: bounded, printable."""
    return "".join(c if c.isprintable() else "?" for c in path[:200])
