"""The state machine: built from the step list (1:1 with the Python steps and handlers), what Terraform
deploys is the same definition, timeouts are shorter than the workflow's, and the emulator validates it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dr_helpers import SECONDARY, client

from mwaa_platform.failover import handlers, statemachine
from mwaa_platform.failover.steps import FAILOVER_STEPS, STORE_CONFIG

MODULE = Path(__file__).resolve().parents[2] / "modules" / "dr-failover"
ARNS = {n: f"arn:aws:lambda:us-west-2:123456789012:function:mwaa-prod-failover-{n}"
        for n in statemachine.handler_names()}


def test_task_states_map_one_to_one_to_python_steps() -> None:
    definition = statemachine.build(ARNS)
    tasks = statemachine.task_states(definition)
    python_steps = {s.state: s.name for s in [*FAILOVER_STEPS, STORE_CONFIG]}
    python_steps[statemachine.FAILURE_STATE] = statemachine.FAILURE_HANDLER
    assert tasks == python_steps
    assert set(tasks.values()) == set(handlers.HANDLERS)
    for name in tasks.values():
        assert callable(getattr(handlers, name))


def test_every_task_is_caught_and_bounded() -> None:
    definition = statemachine.build(ARNS, poll_seconds=20, restore_timeout_seconds=1200,
                                    wait_available_timeout_seconds=3600)
    machine_timeout = definition["TimeoutSeconds"]
    for name, state in definition["States"].items():
        if state["Type"] != "Task":
            continue
        assert state["TimeoutSeconds"] < machine_timeout, name
        if name != statemachine.FAILURE_STATE:
            assert state["Catch"][0]["Next"] == statemachine.FAILURE_STATE, name
            assert state["Catch"][0]["ErrorEquals"] == ["States.ALL"], name
    restore = definition["States"]["StartRestore"]
    assert restore["Resource"].endswith("lambda:invoke.waitForTaskToken")
    assert restore["TimeoutSeconds"] == 1200
    assert definition["States"][statemachine.FAILURE_STATE]["Next"] == "Failed"
    assert definition["States"]["Failed"]["Type"] == "Fail"
    assert definition["States"]["WaitBeforePoll"]["Seconds"] == 20


def test_terraform_template_is_what_python_builds() -> None:
    template = (MODULE / "statemachine.asl.json.tftpl").read_text()
    assert template == statemachine.render_template(), (
        "modules/dr-failover/statemachine.asl.json.tftpl is stale: run "
        "python -m mwaa_platform.failover.statemachine template modules/dr-failover")
    assert json.loads((MODULE / "handlers.json").read_text()) == statemachine.lambda_specs()
    rendered = statemachine.render(template, ARNS, 15, 900, 1800)
    assert rendered == statemachine.build(ARNS, 15, 900, 1800)


def test_missing_function_is_an_error() -> None:
    with pytest.raises(ValueError, match="verify"):
        statemachine.build({k: v for k, v in ARNS.items() if k != "verify"})


def test_emulator_validates_and_creates_the_definition(routed: dict[str, str]) -> None:
    sfn = client("stepfunctions", SECONDARY)
    text = json.dumps(statemachine.build(ARNS))
    assert sfn.validate_state_machine_definition(definition=text, type="STANDARD")["result"] == "OK"
    broken = statemachine.build(ARNS)
    broken["States"]["Verify"]["Next"] = "NoSuchState"
    result = sfn.validate_state_machine_definition(definition=json.dumps(broken), type="STANDARD")
    assert result["result"] == "FAIL"
    role = "arn:aws:iam::123456789012:role/sfn"
    arn = sfn.create_state_machine(name="failover-definition-check", definition=text, roleArn=role)["stateMachineArn"]
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == json.loads(text)
