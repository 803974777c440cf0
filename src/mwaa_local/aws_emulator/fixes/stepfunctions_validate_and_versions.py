"""Gap: the Terraform provider calls ValidateStateMachineDefinition before creating a state machine and
ListStateMachineVersions when reading one; moto implements neither, so aws_sfn_state_machine never applies.
Fix: ValidateStateMachineDefinition checks the definition's structure (JSON, StartAt, States, each state's
Type, transitions to existing states, a terminal state) and answers OK or FAIL with diagnostics in the real
response shape; ListStateMachineVersions answers the (empty) list of published versions."""

from __future__ import annotations

import json
from typing import Any

_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
_TERMINAL = {"Succeed", "Fail"}


def _diagnostic(code: str, message: str, location: str = "/") -> dict[str, str]:
    return {"severity": "ERROR", "code": code, "message": message, "location": location}


def _check_states(states: Any, start_at: Any, path: str) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    if not isinstance(states, dict) or not states:
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "States must be a non-empty object", f"{path}/States")]
    if start_at not in states:
        problems.append(_diagnostic("MISSING_TRANSITION_TARGET", f"StartAt '{start_at}' is not a state",
                                    f"{path}/StartAt"))
    has_end = False
    for name, state in states.items():
        where = f"{path}/States/{name}"
        if not isinstance(state, dict) or state.get("Type") not in _TYPES:
            problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", f"state '{name}' has no valid Type", where))
            continue
        kind = state["Type"]
        targets = [state.get("Next")] if state.get("Next") else []
        if kind == "Choice":
            targets += [c.get("Next") for c in state.get("Choices", []) if isinstance(c, dict)]
            if state.get("Default"):
                targets.append(state["Default"])
        for catcher in state.get("Catch", []) or []:
            if isinstance(catcher, dict) and catcher.get("Next"):
                targets.append(catcher["Next"])
        for target in targets:
            if target not in states:
                problems.append(_diagnostic("MISSING_TRANSITION_TARGET", f"'{name}' goes to unknown '{target}'",
                                            where))
        if kind in _TERMINAL or state.get("End") is True:
            has_end = True
        elif kind != "Choice" and not state.get("Next"):
            problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", f"'{name}' needs Next or End", where))
        for index, branch in enumerate(state.get("Branches", []) or []):
            problems += _check_states(branch.get("States"), branch.get("StartAt"), f"{where}/Branches/{index}")
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            problems += _check_states(processor.get("States"), processor.get("StartAt"), f"{where}/ItemProcessor")
    if not has_end:
        problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "no terminal state (End, Succeed or Fail)", path))
    return problems


def validate(definition: str) -> list[dict[str, str]]:
    try:
        doc = json.loads(definition)
    except ValueError as exc:
        return [_diagnostic("INVALID_JSON_DESCRIPTION", f"definition is not JSON: {exc}")]
    if not isinstance(doc, dict):
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "definition must be a JSON object")]
    return _check_states(doc.get("States"), doc.get("StartAt"), "")


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def validate_state_machine_definition(self: Any) -> Any:
        diagnostics = validate(self._get_param("definition") or "")
        return ActionResult({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics,
                             "truncated": False})

    def list_state_machine_versions(self: Any) -> Any:
        arn = self._get_param("stateMachineArn")
        self.stepfunction_backend.describe_state_machine(arn)  # raises StateMachineDoesNotExist as AWS does
        return ActionResult({"stateMachineVersions": []})

    StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition  # type: ignore[attr-defined]
    StepFunctionResponse.list_state_machine_versions = list_state_machine_versions  # type: ignore[attr-defined]
