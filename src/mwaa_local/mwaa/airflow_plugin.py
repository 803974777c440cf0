"""The MWAA web routes, as an Airflow plugin installed into each local environment (emulation only).

Runs inside the environment's Airflow (2.x webserver or 3.x api-server), never in the local MWAA service:

- Airflow 2: ``POST /aws_mwaa/login`` (form field ``token``) logs the FAB user in -> ``session`` cookie.
- Airflow 3: ``POST /aws_mwaa/login`` and, up to 3.2, ``POST /pluginsv2/aws_mwaa/login`` (form field ``token``)
  -> ``_token`` cookie (JWT for /api/v2). Airflow 3.3 reserves the ``/pluginsv2`` prefix for itself (a plugin
  app mounted there is refused: "attempted to use reserved url_prefix"), so only ``/aws_mwaa/login`` exists there.
- Both: ``GET /aws_mwaa/aws-console-sso?login=true#<token>`` posts the fragment token to the login route;
  ``POST /aws_mwaa/cli`` with ``Authorization: Bearer <cli token>`` and the CLI command as the body runs
  ``airflow <command>`` and answers ``{"stdout": b64, "stderr": b64}`` like MWAA.

Tokens are verified with the secret in the file named by ``MWAA_LOCAL_TOKEN_SECRET_FILE``.
"""

# No `from __future__ import annotations` here: FastAPI reads the route signatures' annotations at runtime.
import base64
import html
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from airflow import __version__ as airflow_version  # type: ignore[attr-defined]
from airflow.plugins_manager import AirflowPlugin

from mwaa_local.mwaa import tokens

AIRFLOW_MAJOR = int(airflow_version.split(".")[0])
# Airflow 3.3 added /pluginsv2 to the URL prefixes plugins may not use.
PLUGINSV2_ALLOWED = tuple(int(p) for p in airflow_version.split(".")[:2] if p.isdigit()) < (3, 3)
CLI_TIMEOUT_SECONDS = 60
# Top-level Airflow CLI commands MWAA's CLI endpoint runs; the rest are refused (no server commands).
CLI_COMMANDS = {"cheat-sheet", "config", "connections", "dags", "db", "info", "jobs", "plugins", "pools",
                "providers", "roles", "tasks", "variables", "version", "assets", "backfill"}
DB_SUBCOMMANDS = {"check"}
SIMPLE_ROLES = {"Admin": "ADMIN", "Op": "OP", "User": "USER", "Viewer": "VIEWER"}


def _secret() -> str:
    return Path(os.environ["MWAA_LOCAL_TOKEN_SECRET_FILE"]).read_text().strip()


def _sso_page(login_path: str) -> str:
    """Console-SSO landing page: posts the token from the URL fragment to the login route."""
    path = html.escape(login_path, quote=True)
    return (
        "<!doctype html><html><body><form id='f' method='post' action='" + path + "'>"
        "<input type='hidden' name='token' id='t'></form><script>"
        "document.getElementById('t').value=decodeURIComponent(location.hash.slice(1));"
        "document.getElementById('f').submit();</script></body></html>"
    )


def run_cli(command: str) -> tuple[bytes, bytes, int]:
    """Run ``airflow <command>`` if MWAA allows it; (stdout, stderr, exit code)."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return b"", f"Cannot parse the command: {exc}\n".encode(), 2
    if not argv or argv[0] not in CLI_COMMANDS:
        allowed = ", ".join(sorted(CLI_COMMANDS))
        return b"", f"Command not supported by the MWAA CLI endpoint. Supported: {allowed}\n".encode(), 2
    if argv[0] == "db" and (len(argv) < 2 or argv[1] not in DB_SUBCOMMANDS):
        return b"", b"Only 'db check' is supported by the MWAA CLI endpoint\n", 2
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    try:
        done = subprocess.run([airflow_bin, *argv], capture_output=True, timeout=CLI_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return b"", f"The command did not finish within {CLI_TIMEOUT_SECONDS}s\n".encode(), 124
    return done.stdout, done.stderr, done.returncode


def _cli_body(stdout: bytes, stderr: bytes) -> dict[str, str]:
    return {"stdout": base64.b64encode(stdout).decode(), "stderr": base64.b64encode(stderr).decode()}


def _bearer(header: str | None) -> str:
    header = header or ""
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


# -- Airflow 2: Flask blueprint on the webserver --------------------------------------------------------------
def _flask_blueprint() -> Any:
    from flask import Blueprint, Response, jsonify, redirect, request

    blueprint = Blueprint("aws_mwaa", __name__, url_prefix="/aws_mwaa")

    def exempt_from_csrf(state: Any) -> None:
        from airflow.www.app import csrf

        csrf.exempt(blueprint)

    blueprint.record_once(exempt_from_csrf)

    @blueprint.route("/login", methods=["POST"])
    def login() -> Any:
        try:
            claims = tokens.verify(_secret(), request.form.get("token", ""), "web")
        except tokens.TokenError as exc:
            return Response(f"Invalid web login token: {exc}\n", status=403, mimetype="text/plain")
        from airflow.www.extensions.init_auth_manager import get_auth_manager
        from flask_login import login_user

        manager: Any = get_auth_manager().security_manager
        role = manager.find_role(claims.get("role", "Admin"))
        if role is None:
            return Response("The token's Airflow role does not exist\n", status=403, mimetype="text/plain")
        user = manager.find_user(username=claims["sub"])
        if user is None:
            user = manager.add_user(claims["sub"], "MWAA", "local", f"{secrets.token_hex(6)}@mwaa.local", role,
                                    password=secrets.token_urlsafe(24))
        elif list(user.roles) != [role]:  # like MWAA: every login sets the role that the token carries
            user.roles = [role]
            manager.update_user(user)
        if not user:
            return Response("Could not create the Airflow user\n", status=500, mimetype="text/plain")
        login_user(user, remember=False)
        return redirect("/home")

    @blueprint.route("/aws-console-sso", methods=["GET"])
    def console_sso() -> Any:
        return Response(_sso_page("/aws_mwaa/login"), mimetype="text/html")

    @blueprint.route("/cli", methods=["POST"])
    def cli() -> Any:
        try:
            tokens.verify(_secret(), _bearer(request.headers.get("Authorization")), "cli")
        except tokens.TokenError as exc:
            return Response(f"Invalid CLI token: {exc}\n", status=403, mimetype="text/plain")
        stdout, stderr, _ = run_cli(request.get_data(as_text=True))
        return jsonify(_cli_body(stdout, stderr))

    return blueprint


# -- Airflow 3: FastAPI apps on the api-server -----------------------------------------------------------------
def _fastapi_apps() -> list[dict[str, Any]]:
    from fastapi import FastAPI, Form, Request
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse

    login_app = FastAPI(title="MWAA local login")
    cli_app = FastAPI(title="MWAA local CLI")

    def login(token: str = Form("")) -> Any:
        try:
            claims = tokens.verify(_secret(), token, "web")
        except tokens.TokenError as exc:
            return PlainTextResponse(f"Invalid web login token: {exc}\n", status_code=403)
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

        role = SIMPLE_ROLES.get(claims.get("role", "Admin"))
        if role is None:  # the simple auth manager has no Public role: such a token opens nothing
            return PlainTextResponse("The token's Airflow role cannot sign in here\n", status_code=403)
        jwt = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=claims["sub"], role=role))
        response = RedirectResponse(url="/", status_code=303)
        response.set_cookie(COOKIE_NAME_JWT_TOKEN, jwt, secure=False, httponly=False, samesite="lax")
        return response

    login_app.post("/login")(login)
    cli_app.post("/login")(login)

    @cli_app.get("/aws-console-sso")
    def console_sso() -> Any:
        return HTMLResponse(_sso_page("/aws_mwaa/login"))

    @cli_app.post("/cli")
    async def cli(request: Request) -> Any:
        try:
            tokens.verify(_secret(), _bearer(request.headers.get("authorization")), "cli")
        except tokens.TokenError as exc:
            return PlainTextResponse(f"Invalid CLI token: {exc}\n", status_code=403)
        command = (await request.body()).decode(errors="replace")
        import anyio

        stdout, stderr, _ = await anyio.to_thread.run_sync(run_cli, command)
        return JSONResponse(_cli_body(stdout, stderr))

    apps = [{"app": cli_app, "url_prefix": "/aws_mwaa", "name": "mwaa_local_cli"}]
    if PLUGINSV2_ALLOWED:
        apps.append({"app": login_app, "url_prefix": "/pluginsv2/aws_mwaa", "name": "mwaa_local_login"})
    return apps


class MwaaLocalPlugin(AirflowPlugin):
    name = "mwaa_local"
    if AIRFLOW_MAJOR >= 3:
        fastapi_apps = _fastapi_apps()
    else:
        flask_blueprints = [_flask_blueprint()]

