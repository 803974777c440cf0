"""The failover state machine (Amazon States Language), built from the same step list the runbook runs.

Every Task state is one Python step (``steps.FAILOVER_STEPS`` + ``store_config``) or the failure handler,
with the Lambda handler of the same name in ``handlers.py``. Each Task has a timeout shorter than the
workflow's (the restore callback's is ``restore_timeout_seconds``), transient Lambda errors are retried
twice, and any other error is caught: NotifyFailure records it in the state table, alerts, and the
execution fails at once.

``python -m mwaa_platform.failover.statemachine template DIR`` writes what modules/dr-failover reads:
``statemachine.asl.json.tftpl`` (placeholders ``${arn_<step>}`` and the timeouts) and ``handlers.json``
(handler name -> Lambda handler + timeout). A test checks both equal what this module builds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mwaa_platform.failover.steps import FAILOVER_STEPS, STORE_CONFIG, Step

FAILURE_HANDLER = "on_failure"
FAILURE_STATE = "NotifyFailure"
FAILURE_LAMBDA_TIMEOUT = 60
TASK_MARGIN_SECONDS = 30
TRANSIENT_LAMBDA_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                           "Lambda.TooManyRequestsException"]
NUMBERS = ("poll_seconds", "restore_timeout_seconds", "wait_available_timeout_seconds")


def handler_names() -> list[str]:
    """Every Lambda the state machine invokes, in workflow order (the failure handler last)."""
    return [s.name for s in FAILOVER_STEPS[:1]] + [STORE_CONFIG.name] + [s.name for s in FAILOVER_STEPS[1:]] + [
        FAILURE_HANDLER]


def lambda_specs() -> dict[str, dict[str, Any]]:
    """handler name -> {"handler": module.function, "timeout": seconds} for Terraform."""
    specs = {s.name: {"handler": f"mwaa_platform.failover.handlers.{s.name}", "timeout": s.lambda_timeout,
                      "description": s.description} for s in [*FAILOVER_STEPS, STORE_CONFIG]}
    specs[FAILURE_HANDLER] = {"handler": f"mwaa_platform.failover.handlers.{FAILURE_HANDLER}",
                              "timeout": FAILURE_LAMBDA_TIMEOUT,
                              "description": "record the failure in the state table, release the lease, alert"}
    return {name: specs[name] for name in handler_names()}


def machine_timeout_base() -> int:
    """The workflow's budget beyond the restore and wait-available timeouts: every task once, plus slack."""
    return sum(s.lambda_timeout + TASK_MARGIN_SECONDS for s in FAILOVER_STEPS) + FAILURE_LAMBDA_TIMEOUT + 600


def machine_timeout(restore_timeout: int, wait_available_timeout: int) -> int:
    return int(restore_timeout + wait_available_timeout + machine_timeout_base())


def _payload(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {"input.$": "$.input", "results.$": "$.results", "execution.$": "$$.Execution.Id", **(extra or {})}


def _catch() -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE_STATE}]


def _retry() -> list[dict[str, Any]]:
    return [{"ErrorEquals": TRANSIENT_LAMBDA_ERRORS, "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 2.0}]


def _task(step: Step, arn: str, next_state: str, restore_timeout: Any) -> dict[str, Any]:
    if step.kind == "callback":
        state: dict[str, Any] = {
            "Type": "Task",
            "Comment": step.description,
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": arn, "Payload": _payload({"task_token.$": "$$.Task.Token"})},
            "TimeoutSeconds": restore_timeout,
        }
    else:
        state = {
            "Type": "Task",
            "Comment": step.description,
            "Resource": arn,
            "Parameters": _payload(),
            "TimeoutSeconds": step.lambda_timeout + TASK_MARGIN_SECONDS,
        }
    state.update(ResultPath=f"$.results.{step.name}", Retry=_retry(), Catch=_catch(), Next=next_state)
    return state


def build(function_arns: Mapping[str, str], poll_seconds: Any = 30, restore_timeout_seconds: Any = 1800,
          wait_available_timeout_seconds: Any = 5400, machine_timeout_seconds: Any = None) -> dict[str, Any]:
    """The definition for the given Lambda ARNs (handler name -> ARN) and timeouts."""
    missing = [n for n in handler_names() if n not in function_arns]
    if missing:
        raise ValueError(f"function_arns lacks {missing}")
    by_name = {s.name: s for s in FAILOVER_STEPS}
    states: dict[str, Any] = {
        "Init": {"Type": "Pass", "Comment": "keep the execution input; results accumulate per step",
                 "Parameters": {"input.$": "$", "results": {}}, "Next": "EvaluateHealth"},
        "EvaluateHealth": _task(by_name["evaluate_health"], function_arns["evaluate_health"], "HealthDecision",
                                restore_timeout_seconds),
        "HealthDecision": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.results.evaluate_health.decision", "StringEquals": "unhealthy", "Next": "AcquireLease"},
                {"And": [{"Variable": "$.input.force", "IsPresent": True},
                         {"Variable": "$.input.force", "BooleanEquals": True}], "Next": "AcquireLease"},
                {"And": [{"Variable": "$.input.resume", "IsPresent": True},
                         {"Variable": "$.input.resume", "BooleanEquals": True}], "Next": "AcquireLease"},
                {"Variable": "$.results.evaluate_health.decision", "StringEquals": "healthy", "Next": "StoreConfig"},
            ],
            "Default": "NoAction",
        },
        "StoreConfig": _task(STORE_CONFIG, function_arns["store_config"], "Healthy", restore_timeout_seconds),
        "Healthy": {"Type": "Succeed", "Comment": "the primary is healthy; its configuration is stored"},
        "NoAction": {"Type": "Succeed", "Comment": "unknown evidence or already failed over: nothing to do"},
        "AcquireLease": _task(by_name["acquire_lease"], function_arns["acquire_lease"], "LeaseDecision",
                              restore_timeout_seconds),
        "LeaseDecision": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.results.acquire_lease.acquired", "BooleanEquals": True,
                         "Next": "FencePrimary"}],
            "Default": "NotAcquired",
        },
        "NotAcquired": {"Type": "Succeed", "Comment": "another execution holds the lease, or a failed operation "
                                                      "waits for an operator's resume"},
        "FencePrimary": _task(by_name["fence_primary"], function_arns["fence_primary"], "CreateEnvironment",
                              restore_timeout_seconds),
        "CreateEnvironment": _task(by_name["create_environment"], function_arns["create_environment"],
                                   "WaitAvailable", restore_timeout_seconds),
        "WaitAvailable": _task(by_name["wait_available"], function_arns["wait_available"], "AvailableDecision",
                               restore_timeout_seconds),
        "AvailableDecision": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.results.wait_available.done", "BooleanEquals": True,
                         "Next": "StartRestore"}],
            "Default": "WaitBeforePoll",
        },
        "WaitBeforePoll": {"Type": "Wait", "Seconds": poll_seconds, "Next": "WaitAvailable"},
        "StartRestore": _task(by_name["start_restore"], function_arns["start_restore"], "Unpause",
                              restore_timeout_seconds),
        "Unpause": _task(by_name["unpause"], function_arns["unpause"], "Verify", restore_timeout_seconds),
        "Verify": _task(by_name["verify"], function_arns["verify"], "Notify", restore_timeout_seconds),
        "Notify": _task(by_name["notify"], function_arns["notify"], "Release", restore_timeout_seconds),
        "Release": _task(by_name["release"], function_arns["release"], "FailoverComplete", restore_timeout_seconds),
        "FailoverComplete": {"Type": "Succeed", "Comment": "the secondary is active"},
        FAILURE_STATE: {
            "Type": "Task",
            "Comment": "record the failure in the state table, release the lease, alert",
            "Resource": function_arns[FAILURE_HANDLER],
            "Parameters": _payload({"error.$": "$.error"}),
            "TimeoutSeconds": FAILURE_LAMBDA_TIMEOUT + TASK_MARGIN_SECONDS,
            "ResultPath": "$.results.on_failure",
            "Retry": _retry(),
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure_handler_error", "Next": "Failed"}],
            "Next": "Failed",
        },
        "Failed": {"Type": "Fail", "Error": "FailoverFailed",
                   "Cause": "a failover step failed: see the SNS alert and `mwaa-platform failover status`"},
    }
    if machine_timeout_seconds is None:
        machine_timeout_seconds = machine_timeout(int(restore_timeout_seconds), int(wait_available_timeout_seconds))
    return {
        "Comment": "mwaa-platform failover: health -> lease -> fence -> environment -> restore -> unpause -> "
                   "verify -> notify -> release (built by mwaa_platform.failover.statemachine)",
        "StartAt": "Init",
        "TimeoutSeconds": machine_timeout_seconds,
        "States": states,
    }


def task_states(definition: Mapping[str, Any]) -> dict[str, str]:
    """Task state name -> the handler it invokes (recovered from the ARN or the placeholder)."""
    found: dict[str, str] = {}
    for name, state in definition["States"].items():
        if state.get("Type") != "Task":
            continue
        target = state.get("Parameters", {}).get("FunctionName") or state["Resource"]
        found[name] = str(target).rsplit(":", 1)[-1].removeprefix("${arn_").removesuffix("}").split("-")[-1]
    return found


# ---------------------------------------------------------------------------------------------------------
# The Terraform template
# ---------------------------------------------------------------------------------------------------------
_SENTINEL = "@@{}@@"
# templatefile() evaluates this expression, so Terraform and build() agree on the workflow's timeout
_MACHINE_TIMEOUT_EXPR = f"${{restore_timeout_seconds + wait_available_timeout_seconds + {machine_timeout_base()}}}"


def render_template() -> str:
    """The definition as a Terraform templatefile: ${arn_<handler>} and the numeric settings as variables."""
    arns = {name: f"${{arn_{name}}}" for name in handler_names()}
    numbers = {name: _SENTINEL.format(name) for name in (*NUMBERS, "machine_timeout_seconds")}
    text = json.dumps(build(arns, **numbers), indent=2, sort_keys=True)
    for name, sentinel in numbers.items():
        text = text.replace(f'"{sentinel}"', f"${{{name}}}")
    return text.replace("${machine_timeout_seconds}", _MACHINE_TIMEOUT_EXPR) + "\n"


def render(template: str, function_arns: Mapping[str, str], poll_seconds: int, restore_timeout_seconds: int,
           wait_available_timeout_seconds: int) -> dict[str, Any]:
    """What Terraform's templatefile() makes of the template (for tests and for the CLI's `plan`)."""
    values: dict[str, Any] = {f"arn_{k}": v for k, v in function_arns.items()}
    values.update(poll_seconds=poll_seconds, restore_timeout_seconds=restore_timeout_seconds,
                  wait_available_timeout_seconds=wait_available_timeout_seconds)
    text = template.replace(_MACHINE_TIMEOUT_EXPR,
                            str(machine_timeout(restore_timeout_seconds, wait_available_timeout_seconds)))
    for key, value in values.items():
        text = text.replace(f"${{{key}}}", str(value))
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def write_template(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    asl = directory / "statemachine.asl.json.tftpl"
    asl.write_text(render_template())
    specs = directory / "handlers.json"
    specs.write_text(json.dumps(lambda_specs(), indent=2) + "\n")
    return [asl, specs]


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "template":
        print("usage: python -m mwaa_platform.failover.statemachine template DIR", file=sys.stderr)
        return 2
    for path in write_template(Path(argv[1])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
