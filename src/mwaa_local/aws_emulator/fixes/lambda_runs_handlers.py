"""Gap: moto runs Lambda code only in Docker (there is none here); without Docker it echoes canned results
and never runs our handlers. Fix: run the function's Python handler for real in a subprocess (see
``aws_emulator.lambda_runtime``), write its output to the function's CloudWatch log group, and honour the
invocation type: RequestResponse waits for the result, Event returns 202 at once and runs in the
background with Lambda's asynchronous retries (2 retries), then the function's dead-letter queue."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

log = logging.getLogger("mwaa_platform.emulator.lambda")
ASYNC_RETRIES = 2
ASYNC_RETRY_DELAY_S = float(os.environ.get("MWAA_PLATFORM_LAMBDA_RETRY_DELAY", "1"))


def _endpoint() -> str:
    return os.environ.get("MWAA_PLATFORM_EMULATOR_ENDPOINT", "http://127.0.0.1:4566")


def run_async(fn: Any, event: str) -> threading.Thread:
    """Asynchronous invocation: up to 1 + ASYNC_RETRIES attempts; the result only goes to the logs."""

    def attempt_all() -> None:
        from mwaa_local.aws_emulator.fixes.lambda_dead_letter_and_logging_config import (
            send_to_dead_letter,
        )

        resp = ""
        for attempt in range(1 + ASYNC_RETRIES):
            resp, errored, _logs = fn._invoke_lambda(event)
            if not errored:
                return
            log.warning("async invocation of %s failed (attempt %d)", fn.function_name, attempt + 1)
            if attempt < ASYNC_RETRIES:
                time.sleep(ASYNC_RETRY_DELAY_S * (attempt + 1))
        send_to_dead_letter(fn, event, resp)

    thread = threading.Thread(target=attempt_all, name=f"lambda-async-{fn.function_name}", daemon=True)
    thread.start()
    return thread


def apply() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    from mwaa_local.aws_emulator import lambda_runtime

    def _invoke_lambda(self: Any, event: str | None = None) -> tuple[str, bool, str]:
        self.logs_backend.ensure_log_group(self.logs_group_name)
        result = lambda_runtime.invoke(self, event if event is not None else "{}", _endpoint())
        self.save_logs(result.logs)
        return result.payload, result.errored, result.logs

    original_invoke = LambdaBackend.invoke

    def invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
               response_headers: Any) -> Any:
        if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
            fn = self.get_function(function_name, qualifier)
            run_async(fn, body if isinstance(body, str) and body else "{}")
            return b""
        return original_invoke(self, function_name, qualifier, body, headers, response_headers)

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
