"""modules/mwaa-environment against the emulator, without an MWAA backend: bucket (with its TLS-only policy),
key, role, log groups, security group and uploads apply and re-plan clean, and a changed requirements file
yields a new S3 object version that the environment is planned with.

The MWAA environment itself needs the local MWAA (another helper's work); here everything else is applied
(-target), then a full plan shows which requirements version the environment would be created/updated with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from endpoint_helpers import REGION, Network, tfhelpers

from mwaa_local.emulator import Emulator

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]

ROOT = """
provider "aws" {}

variable "vpc_id" { type = string }
variable "subnet_ids" { type = list(string) }
variable "requirements" { type = string }

module "mwaa" {
  source = "../modules/mwaa-environment"

  name          = "objects-test"
  vpc_id        = var.vpc_id
  subnet_ids    = var.subnet_ids
  source_bucket = { force_destroy = true }
  requirements  = { source = var.requirements }
}
"""


def var_args(variables: dict[str, Any]) -> list[str]:
    return [f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in variables.items()]


def resources(tf: Any) -> dict[str, dict[str, Any]]:
    shown = json.loads(tf.run("show", "-json").stdout)
    found: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any]) -> None:
        for res in module.get("resources", []):
            found[res["address"]] = res["values"]
        for child in module.get("child_modules", []):
            walk(child)

    walk(shown.get("values", {}).get("root_module", {}))
    return found


def planned_environment(tf: Any, variables: dict[str, Any], workdir: Path) -> dict[str, Any]:
    plan = workdir / "full.tfplan"
    tf.run("plan", "-input=false", "-no-color", f"-out={plan}", *var_args(variables))
    shown = json.loads(tf.run("show", "-json", str(plan)).stdout)
    [env] = [rc for rc in shown["resource_changes"] if rc["address"] == "module.mwaa.aws_mwaa_environment.this[0]"]
    return dict(env["change"]["after"])


def test_new_requirements_reach_the_environment_plan(emulator: Emulator, network: Network, tmp_path: Path) -> None:
    tfhelpers().stage(REPO, "modules/mwaa-environment", tmp_path)
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(ROOT)
    requirements = workdir / "requirements.txt"
    requirements.write_text("apache-airflow-providers-amazon\n")
    variables = {"vpc_id": network.vpc_id, "subnet_ids": network.subnet_ids, "requirements": str(requirements)}
    # Everything but the environment itself (the uploads wait for the whole source bucket module, lifecycle too).
    target = [f"-target=module.mwaa.{r}" for r in (
        'aws_s3_object.upload["requirements"]',
        "module.source_bucket",
        "aws_cloudwatch_log_group.this",
        "aws_iam_role_policy.execution",
        "aws_vpc_security_group_ingress_rule.self",
        "aws_vpc_security_group_egress_rule.self",
        "aws_vpc_security_group_egress_rule.https",
        "module.kms",
    )]

    tf = tfhelpers().Terraform(workdir, env=emulator.env(REGION), timeout=300)
    tf.init()
    try:
        tf.run("apply", "-auto-approve", "-input=false", "-no-color", *target, *var_args(variables))
        drift = tf.run("plan", "-detailed-exitcode", "-input=false", "-no-color", *target, *var_args(variables),
                       check=False)
        assert drift.returncode == 0, drift.stdout[-3000:] + drift.stderr[-2000:]
        first = resources(tf)['module.mwaa.aws_s3_object.upload["requirements"]']
        assert first["version_id"], "a versioned bucket gives every upload a version id"
        assert first["server_side_encryption"] == "aws:kms" and first["kms_key_id"]

        requirements.write_text("apache-airflow-providers-amazon\nrequests\n")
        tf.run("apply", "-auto-approve", "-input=false", "-no-color", *target, *var_args(variables))
        second = resources(tf)['module.mwaa.aws_s3_object.upload["requirements"]']
        assert second["version_id"] and second["version_id"] != first["version_id"]
        assert planned_environment(tf, variables, workdir)["requirements_s3_object_version"] == second["version_id"]
    finally:
        tf.destroy(var=variables)
    assert tf.state_list() == []
