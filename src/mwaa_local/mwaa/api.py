"""The HTTP face of the local MWAA: the MWAA API (rest-json), an HTTP proxy for the MWAA hosts only,
and a few loopback-only debugging endpoints under ``/_local/``.

Requests arrive in two forms. Through ``HTTP_PROXY`` the SDKs send absolute-URI requests
(``PUT http://api.mwaa.emulator.invalid/environments/x``): the MWAA hosts are answered here, any other
host gets 502 and is never forwarded anywhere. Direct requests (``PUT /environments/x`` to 127.0.0.1)
are answered as the MWAA API too, for clients that disable host prefixes.
"""

from __future__ import annotations

import json
import logging
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from mwaa_local.mwaa import PLACEHOLDER_HOST, environment, logshipping, shapes
from mwaa_local.mwaa.errors import ApiError, InternalServerException
from mwaa_local.mwaa.identity import Resolver
from mwaa_local.mwaa.operations import Operations
from mwaa_local.mwaa.store import Key

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024 * 1024


def is_mwaa_host(host: str | None) -> bool:
    host = (host or "").lower().rstrip(".")
    return host == PLACEHOLDER_HOST or host.endswith("." + PLACEHOLDER_HOST)


class MwaaServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], operations: Operations) -> None:
        super().__init__(address, Handler)
        self.operations = operations
        self.resolver = Resolver()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: MwaaServer
    server_version = "local-mwaa"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # -- plumbing ------------------------------------------------------------------------------------------
    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None,
              content_type: str = "application/json") -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its read timeout)
            self.close_connection = True

    def _error(self, error: ApiError) -> None:
        self._send(error.status, error.body(), {"x-amzn-ErrorType": error.code})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    # -- verbs ---------------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_CONNECT(self) -> None:
        self._refuse(self.path)

    def _refuse(self, target: str) -> None:
        message = (f"The local MWAA proxy only answers the MWAA hosts (*.{PLACEHOLDER_HOST}); it never forwards "
                   f"{target} anywhere. Add that host to NO_PROXY or unset HTTP_PROXY for it.\n")
        self.close_connection = True
        self._send(502, message.encode(), content_type="text/plain")

    def _handle(self) -> None:
        target = self.path
        proxied = target.startswith(("http://", "https://"))
        if proxied:
            parts = urlsplit(target)
            if not is_mwaa_host(parts.hostname):
                self._body()
                self._refuse(f"{parts.scheme}://{parts.netloc}")
                return
            path, query = parts.path or "/", parts.query
        else:
            path, _, query = target.partition("?")
        try:
            body = self._body()
        except ValueError as exc:
            self._send(413, {"message": str(exc)})
            return
        if not proxied and path.startswith("/_local/"):
            self._admin(path, query)
            return
        self._api(path, query, body)

    def _api(self, path: str, query: str, raw: bytes) -> None:
        matched = shapes.match(self.command, path)
        if matched is None:
            self._send(404, {"message": f"No MWAA operation for {self.command} {path}"},
                       {"x-amzn-ErrorType": "UnknownOperationException"})
            return
        route, labels = matched
        try:
            caller = self.server.resolver.caller(self.headers)
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                self._send(400, {"message": "The request body is not valid JSON"},
                           {"x-amzn-ErrorType": "SerializationException"})
                return
            params = shapes.parse_input(route, labels, query, body)
            shapes.validate(route, params)
            result = self.server.operations.dispatch(route.operation, caller, params)
        except ApiError as error:
            log.info("%s %s -> %s", route.operation, labels, error.code)
            self._error(error)
            return
        except Exception as exc:
            log.exception("%s failed", route.operation)
            self._error(InternalServerException(f"{type(exc).__name__}: {exc}"))
            return
        self._send(200, result)

    # -- /_local/ : loopback debugging endpoints -----------------------------------------------------------
    def _admin(self, path: str, query: str) -> None:
        ops = self.server.operations
        controller = ops.controller
        parts = [unquote(p) for p in path.split("/") if p][1:]
        if parts == ["health"]:
            self._send(200, {"ok": True})
            return
        if parts == ["environments"] and self.command == "GET":
            self._send(200, {"Environments": [self._describe(r) for r in controller.store.all()]})
            return
        if len(parts) == 5 and parts[0] == "environments":
            key = Key(parts[1], parts[2], parts[3])
            record = controller.store.get(key)
            if record is None:
                self._send(404, {"message": f"no environment {key}"})
                return
            action = parts[4]
            if action == "kill-scheduler" and self.command == "POST":
                self._send(200, {"killed": controller.kill_scheduler(key)})
                return
            if action == "kill-region" and self.command == "POST":
                self._send(200, {"killed": controller.kill_region(key)})
                return
            if action == "restart" and self.command == "POST":
                self._send(200, {"restarting": controller.restart(key)})
                return
            if action == "start-webserver" and self.command == "POST":
                try:
                    controller.runtime(record).ensure_web()
                except Exception as exc:
                    self._send(500, {"message": str(exc)})
                    return
                self._send(200, {"web": controller.runtime(record).base_url})
                return
            if action == "logs" and self.command == "GET":
                args = parse_qs(query)
                component = args.get("component", ["scheduler"])[0]
                lines = int(args.get("lines", ["100"])[0])
                text = controller.runtime(record).log_tail(component, lines)
                self._send(200, text.encode(), content_type="text/plain")
                return
            if action == "cloudwatch-logs" and self.command == "GET":
                self._cloudwatch_logs(record, parse_qs(query))
                return
        self._send(404, {"message": f"unknown debugging endpoint {self.command} {path}"})

    def _cloudwatch_logs(self, record: dict[str, Any], args: dict[str, list[str]]) -> None:
        """One module's events from the emulator's CloudWatch Logs (``local mwaa logs``)."""
        start = args.get("start", [None])[0]
        try:
            found = logshipping.read_events(record, args.get("component", ["scheduler"])[0],
                                            int(start) if start else None, int(args.get("limit", ["5000"])[0]))
        except (ValueError, LookupError) as exc:
            self._send(400, {"message": str(exc)})
            return
        self._send(200, found)

    def _describe(self, record: dict[str, Any]) -> dict[str, Any]:
        controller = self.server.operations.controller
        local = record["_local"]
        summary = {
            "Name": record["Name"], "Status": record["Status"], "Arn": record["Arn"],
            "Account": local["account"], "Region": local["region"], "AirflowVersion": record["AirflowVersion"],
            "EnvironmentClass": record["EnvironmentClass"], "Runtime": environment.runtime_of(record),
            "WebserverUrl": record["WebserverUrl"], "StartupSeconds": local.get("startup_seconds"),
            "LastUpdate": record.get("LastUpdate"),
        }
        if controller.runs_airflow(record):
            summary["Processes"] = controller.runtime(record).status()
        return summary
