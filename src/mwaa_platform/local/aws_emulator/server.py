"""The emulator's WSGI stack: moto's dispatcher wrapped by our fixes, served by werkzeug."""

from __future__ import annotations

import os
from typing import Any

from werkzeug.serving import run_simple


def build_app() -> Any:
    # Settings that must be in place before moto's backends are imported.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")

    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from mwaa_platform.local.aws_emulator import fixes

    # Step Functions executions really run (ASL interpreter);.
    default_user_config["stepfunctions"] = {"execute_state_machine": True}

    fixes.apply_all()
    app = DomainDispatcherApplication(fixes.wrap_create_app(create_backend_app))
    return fixes.wrap_wsgi(app)


def serve(host: str, port: int) -> None:
    os.environ["MOTO_PORT"] = str(port)
    os.environ["MWAA_PLATFORM_EMULATOR_ENDPOINT"] = f"http://{host}:{port}"
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    run_simple(host, port, build_app(), threaded=True, use_reloader=False,
               request_handler=MotoRequestHandler)
