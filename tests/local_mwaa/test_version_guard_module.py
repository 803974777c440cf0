"""modules/mwaa-environment's major-version guard against the emulator + local MWAA (control plane only).

Apply 2.11.0; a plan with 3.2.1 is stopped (hashicorp/aws would replace the environment); the environment changes
version in place outside Terraform (UpdateEnvironment), `mwaa-platform versions record` writes the record, and a plan
with 3.2.1 in the variables is clean."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mwaa_local_helpers import clean_env
from test_mwaa_local_terraform import Terraform

from mwaa_platform.cli import main as cli

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]
HERE = Path(__file__).parent
MODULE = HERE.parents[1] / "modules" / "mwaa-environment"


def _plan(tf: Terraform, name: str, version: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["terraform", "plan", "-no-color", "-detailed-exitcode", f"-var=airflow_version={version}",
                           f"-var=name={name}"],
                          cwd=tf.workdir, env=tf.env, capture_output=True, text=True, timeout=600, check=False)


def _wait_version(mwaa: Any, name: str, version: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env = mwaa.get_environment(Name=name)["Environment"]
        if env["Status"] == "AVAILABLE" and env["AirflowVersion"] == version:
            return
        assert env["Status"] in {"AVAILABLE", "UPDATING"}, env
        time.sleep(0.5)
    raise AssertionError(f"{name} did not reach Airflow {version}")


def test_major_upgrade_is_stopped_and_an_in_place_change_then_plans_clean(
        tmp_path: Path, mwaa_vars: dict[str, str], mwaa: Any, terraform_cli_config: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workdir = tmp_path / "tf"
    workdir.mkdir()
    shutil.copy(HERE / "terraform_guard" / "main.tf", workdir / "main.tf")
    shutil.copytree(MODULE, workdir / "mwaa-environment", ignore=shutil.ignore_patterns("tests", "examples"))
    # The module calls the internal ../_aws_context, ../_bucket and ../_kms, so they travel along.
    ignore = shutil.ignore_patterns("tests", "examples")
    for internal in ("_aws_context", "_bucket", "_kms"):
        shutil.copytree(MODULE.parent / internal, workdir / internal, ignore=ignore)
    tf = Terraform(workdir, clean_env({**mwaa_vars, "TF_CLI_CONFIG_FILE": terraform_cli_config,
                                       "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}))
    name = f"guard-{uuid.uuid4().hex[:6]}"
    common = [f"-var=name={name}"]
    tf.run("init", "init")
    try:
        tf.run("apply", "apply", "-auto-approve", "-var=airflow_version=2.11.0", *common)
        assert mwaa.get_environment(Name=name)["Environment"]["AirflowVersion"] == "2.11.0"

        stopped = _plan(tf, name, "3.2.1")
        assert stopped.returncode == 1, stopped.stdout[-2000:]
        message = " ".join(stopped.stderr.split())
        assert "would be destroyed" in message and "allow_major_version_replacement" in message, message

        minor = _plan(tf, name, "2.11.0")
        assert minor.returncode == 0, minor.stdout[-2000:] + minor.stderr[-2000:]

        mwaa.update_environment(Name=name, AirflowVersion="3.2.1")
        _wait_version(mwaa, name, "3.2.1")
        for key, value in mwaa_vars.items():
            monkeypatch.setenv(key, value)
        done = CliRunner().invoke(cli, ["versions", "record", "--env", name])
        assert done.exit_code == 0 and "3.2.1" in done.output, done.output

        clean = _plan(tf, name, "3.2.1")
        assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-2000:]
    finally:
        tf.run("destroy", "destroy", "-auto-approve", "-var=airflow_version=3.2.1", *common)
