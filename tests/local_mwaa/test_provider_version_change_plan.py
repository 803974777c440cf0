"""What hashicorp/aws 5.100 plans when `airflow_version` changes, found against the local MWAA.

The provider's CustomizeDiff marks `airflow_version` ForceNew when the new major version is higher than the old
one: a 2.x -> 3.x change plans destroy-and-create (the metadata database and all history gone), a minor change
and a 3.x -> 2.x change plan an in-place update. This is why modules/mwaa-environment stops a major upgrade at plan
(its version guard). Environments use the `none` runtime, so this test is cheap."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from mwaa_local_helpers import clean_env
from test_mwaa_local_terraform import CLASSES, CONFIG, Terraform

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]


def _env_actions(tf: Terraform, values: dict[str, Any], label: str) -> list[str]:
    tf.write_vars(values)
    tf.run(f"plan-{label}", "plan", "-var-file=test.tfvars.json", f"-out={label}.plan")
    plan = json.loads(tf.run(f"show-{label}", "show", "-json", f"{label}.plan").stdout)
    (change,) = [c["change"] for c in plan["resource_changes"] if c["type"] == "aws_mwaa_environment"]
    return list(change["actions"])


def test_provider_replaces_an_environment_on_a_major_upgrade_only(tmp_path: Path, mwaa_vars: dict[str, str],
                                                                 terraform_cli_config: str) -> None:
    workdir = tmp_path / "tf"
    workdir.mkdir()
    shutil.copy(CONFIG, workdir / "main.tf")
    tf = Terraform(workdir, clean_env({**mwaa_vars, "TF_CLI_CONFIG_FILE": terraform_cli_config,
                                       "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}))
    env = {**CLASSES["micro"], "airflow_version": "2.10.1"}
    values: dict[str, Any] = {"prefix": f"vc{uuid.uuid4().hex[:6]}", "environments": {"micro": env}}
    tf.write_vars(values)
    tf.run("init", "init")
    try:
        tf.run("apply", "apply", "-auto-approve", "-var-file=test.tfvars.json")
        minor = _env_actions(tf, {**values, "environments": {"micro": {**env, "airflow_version": "2.10.3"}}}, "minor")
        major = _env_actions(tf, {**values, "environments": {"micro": {**env, "airflow_version": "3.0.6"}}}, "major")
        print(f"hashicorp/aws 5.100 plans: 2.10.1 -> 2.10.3 {minor}; 2.10.1 -> 3.0.6 {major}")
        assert minor == ["update"]
        assert major == ["delete", "create"]
    finally:
        tf.run("destroy", "destroy", "-auto-approve", "-var-file=test.tfvars.json")
