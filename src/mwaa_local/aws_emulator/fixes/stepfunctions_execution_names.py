"""Gap: with the executing Step Functions backend, StartExecution without a name names every execution
"None", so the second one fails with ExecutionAlreadyExists. Fix: an unnamed execution gets a UUID, as in
AWS (and as moto's non-executing backend already does)."""

from __future__ import annotations

import uuid
from typing import Any


def apply() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution
    if getattr(original, "_mwaa_platform_fixed", False):
        return

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None,
                        trace_header: Any = None) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    start_execution._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]
