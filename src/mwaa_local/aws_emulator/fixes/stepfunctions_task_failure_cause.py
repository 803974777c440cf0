"""Gap: moto's SendTaskFailure handler passes the error but drops the cause, so a task that fails through its
callback (the restore DAG answering the failover workflow's task token) reaches the Catch with an empty
Cause, and the failure recorded and alerted says what failed but not why. Fix: pass the cause on to the
ASL interpreter's backend, which supports it."""

from __future__ import annotations

import inspect
from typing import Any


def apply() -> None:
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self: Any) -> Any:
        token = self._get_param("taskToken")
        error = self._get_param("error")
        cause = self._get_param("cause")
        backend = self.stepfunction_backend
        if "cause" in inspect.signature(backend.send_task_failure).parameters:
            backend.send_task_failure(token, error=error, cause=cause)
        else:
            backend.send_task_failure(token, error=error)
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]
