"""The emulator's WSGI stack: moto's dispatcher wrapped by our fixes, served by werkzeug."""

from __future__ import annotations

import io
import logging
import os
import re
import urllib.parse
from typing import Any

from werkzeug.serving import run_simple


def build_app() -> Any:
    # Settings that must be in place before moto's backends are imported.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")

    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from mwaa_local.aws_emulator import fixes
    from mwaa_local.aws_emulator.retries import RetryReplay

    # Step Functions executions really run (ASL interpreter);.
    default_user_config["stepfunctions"] = {"execute_state_machine": True}

    fixes.apply_all()
    app = DomainDispatcherApplication(fixes.wrap_create_app(create_backend_app))
    return _log_failures(RetryReplay(fixes.wrap_wsgi(app)))


_log = logging.getLogger("mwaa_platform.emulator")
_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>|\"__type\"\\s*:\\s*\"([^\"]{1,100})\"")


def _log_failures(app: Any) -> Any:
    """Name the operation and the error code of every 4xx/5xx answer in the log (werkzeug's own line says only
    "POST / 400"), so a failed apply can be traced to the call that failed. Bodies are never logged."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        operation = environ.get("HTTP_X_AMZ_TARGET", "")
        if not operation and environ.get("REQUEST_METHOD") == "POST" and "form-urlencoded" in environ.get(
                "CONTENT_TYPE", ""):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            operation = urllib.parse.parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
        status: list[str] = []

        def recording_start(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code)
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        result = app(environ, recording_start)
        if not status or status[0][:1] not in ("4", "5"):
            return result  # successes stream through untouched (S3 objects)
        chunks = list(result)
        found = _CODE.search(b"".join(chunks)[:4000])
        code = next((g.decode(errors="replace") for g in (found.groups() if found else ()) if g), "")
        _log.warning("%s %s %s -> %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                     operation or "-", status[0], code)
        return chunks

    return wrapped


def serve(host: str, port: int) -> None:
    os.environ["MOTO_PORT"] = str(port)
    os.environ["MWAA_PLATFORM_EMULATOR_ENDPOINT"] = f"http://{host}:{port}"
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    run_simple(host, port, build_app(), threaded=True, use_reloader=False,
               request_handler=MotoRequestHandler)
