"""After a blue-green upgrade, Terraform adopts the new environment and the plan is clean (issue: "after execute,
changing airflow_version and, for blue/green, the environment's name in the tfvars gives a clean plan").

modules/mwaa-environment applied on 2.10.3 against the emulator + local MWAA (control plane only); the upgrade
runbook's own `create_environment` step makes the successor on 3.2.1 (its log groups copied from the old ones
first), `versions record` writes its record; `adopt` swaps the state (state rm + import); with
`environment_name` and `airflow_version` changed, `terraform plan -detailed-exitcode` is clean, and a second
`adopt` changes nothing."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from mwaa_local_helpers import clean_env
from test_mwaa_local_terraform import Terraform

from mwaa_platform.upgrade import adopt, steps
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.versions.record import parameter_name, record

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]
HERE = Path(__file__).parent
MODULE = HERE.parents[1] / "modules" / "mwaa-environment"


def _wait_available(mwaa: Any, name: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env = mwaa.get_environment(Name=name)["Environment"]
        if env["Status"] == "AVAILABLE":
            return dict(env)
        assert env["Status"] in {"CREATING", "CREATING_SNAPSHOT", "PENDING"}, env
        time.sleep(0.5)
    raise AssertionError(f"{name} did not become AVAILABLE")


def test_adopted_successor_plans_clean(tmp_path: Path, mwaa_vars: dict[str, str], mwaa: Any,
                                       terraform_cli_config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    workdir = tmp_path / "tf"
    workdir.mkdir()
    shutil.copy(HERE / "terraform_guard" / "main.tf", workdir / "main.tf")
    ignore = shutil.ignore_patterns("tests", "examples")
    shutil.copytree(MODULE, workdir / "mwaa-environment", ignore=ignore)
    for internal in ("_aws_context", "_bucket", "_kms"):
        shutil.copytree(MODULE.parent / internal, workdir / internal, ignore=ignore)
    tf = Terraform(workdir, clean_env({**mwaa_vars, "TF_CLI_CONFIG_FILE": terraform_cli_config,
                                       "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}))
    for key, value in mwaa_vars.items():
        monkeypatch.setenv(key, value)
    old = f"bg-{uuid.uuid4().hex[:6]}"
    new = f"{old}-3-2"
    before = [f"-var=name={old}", "-var=airflow_version=2.10.3"]
    after = [f"-var=name={old}", "-var=airflow_version=3.2.1", f"-var=environment_name={new}"]

    def terraform(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        extra = after if args[0] == "import" else []
        return subprocess.run(["terraform", args[0], *extra, *args[1:]], cwd=workdir, env=tf.env,
                              capture_output=True, text=True, timeout=600, check=False)

    tf.run("init", "init")
    adopted = False
    try:
        tf.run("apply", "apply", "-auto-approve", *before)
        config = UpgradeConfig(environment=old, region="us-east-1", state_table="unused", target="3.2.1",
                               strategy="blue_green")
        call = steps.Call(config, {"id": "op-1", "source_environment": old, "target_environment": new,
                                   "to": "3.2.1", "kind": "blue_green"})
        created = steps.create_environment(call)
        assert created["created"] and created["log_groups"]["TaskLogs"] == "created", created
        _wait_available(mwaa, new)
        assert record(new, "us-east-1") == "3.2.1"
        task_group = boto3.client("logs").describe_log_groups(
            logGroupNamePrefix=f"airflow-{new}-Task")["logGroups"][0]
        assert task_group.get("kmsKeyId") and task_group.get("retentionInDays"), task_group  # encrypted from the start

        lines: list[str] = []
        moves = adopt.adopt(terraform, "module.mwaa", new, lines.append)
        adopted = True
        assert {m.address.split("[")[0] for m in moves} >= {"module.mwaa.aws_mwaa_environment.this",
                                                           "module.mwaa.aws_ssm_parameter.airflow_version",
                                                           "module.mwaa.aws_cloudwatch_log_group.this"}
        assert any(line.startswith("forgotten (still in AWS): module.mwaa.aws_mwaa_environment") for line in lines)

        plan = subprocess.run(["terraform", "plan", "-no-color", "-detailed-exitcode", *after], cwd=workdir,
                              env=tf.env, capture_output=True, text=True, timeout=600, check=False)
        assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr[-2000:]

        again: list[str] = []
        adopt.adopt(terraform, "module.mwaa", new, again.append)
        assert again and all(line.startswith("already adopted") for line in again), again
        assert mwaa.get_environment(Name=old)["Environment"]["Status"] == "AVAILABLE"  # forgotten, not deleted
    finally:
        tf.run("destroy", "destroy", "-auto-approve", *(after if adopted else before))
        for name in (old, new):
            with contextlib.suppress(mwaa.exceptions.ResourceNotFoundException):
                mwaa.delete_environment(Name=name)
        boto3.client("ssm").delete_parameters(Names=[parameter_name(old), parameter_name(new)])


def _show(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"values": {"root_module": {"child_modules": [{"address": "module.mwaa", "resources": resources}]}}}


def test_moves_are_computed_from_the_state_and_skip_what_is_done() -> None:
    show = _show([
        {"address": "module.mwaa.aws_mwaa_environment.this[0]", "values": {"name": "mwaa-prod"}},
        {"address": "module.mwaa.aws_ssm_parameter.airflow_version[0]",
         "values": {"name": "/mwaa-platform/environments/mwaa-prod-3-2/airflow-version"}},
        {"address": 'module.mwaa.aws_cloudwatch_log_group.this["task"]', "values": {"name": "airflow-mwaa-prod-Task"}},
        {"address": "module.mwaa.aws_iam_role.execution[0]", "values": {"name": "role"}},
    ])
    moves = adopt.plan_moves(show, "module.mwaa", "mwaa-prod-3-2")
    assert [(m.address, m.old_id, m.new_id, m.done) for m in moves] == [
        ("module.mwaa.aws_mwaa_environment.this[0]", "mwaa-prod", "mwaa-prod-3-2", False),
        ("module.mwaa.aws_ssm_parameter.airflow_version[0]",
         "/mwaa-platform/environments/mwaa-prod-3-2/airflow-version",
         "/mwaa-platform/environments/mwaa-prod-3-2/airflow-version", True),
        ('module.mwaa.aws_cloudwatch_log_group.this["task"]', "airflow-mwaa-prod-Task", "airflow-mwaa-prod-3-2-Task",
         False),
    ]


def test_bad_input_is_refused_before_terraform_changes_anything() -> None:
    calls: list[Sequence[str]] = []

    def terraform(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, json.dumps(_show([])), "")

    with pytest.raises(adopt.AdoptError, match="not in the state"):
        adopt.adopt(terraform, "module.mwaa", "mwaa-prod-3-2")
    with pytest.raises(adopt.AdoptError, match="not an MWAA environment name"):
        adopt.adopt(terraform, "module.mwaa", "bad name")
    assert all(c[0] == "show" for c in calls)
