"""hashicorp/aws 5.100's aws_mwaa_environment against the emulator + local MWAA: one environment per class
plus a CUSTOMER-endpoint one; apply, re-plan clean, update in place (class, workers, requirements version),
re-plan clean, destroy. Environments use the `none` runtime (tag mwaa-local:runtime), so this is cheap."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from mwaa_local_helpers import clean_env, wait_status

pytestmark = [pytest.mark.terraform, pytest.mark.emulator, pytest.mark.slow]
CONFIG = Path(__file__).parent / "terraform" / "main.tf"

CLASSES = {
    "micro": {"environment_class": "mw1.micro", "schedulers": 1, "min_workers": 1, "max_workers": 1,
              "min_webservers": 1, "max_webservers": 1},
    "small": {"environment_class": "mw1.small", "schedulers": 2, "min_workers": 1, "max_workers": 2,
              "min_webservers": 2, "max_webservers": 2, "with_requirements": True},
    "medium": {"environment_class": "mw1.medium", "schedulers": 2, "min_workers": 2, "max_workers": 10,
               "min_webservers": 2, "max_webservers": 3},
    "large": {"environment_class": "mw1.large", "schedulers": 3, "min_workers": 1, "max_workers": 20,
              "min_webservers": 2, "max_webservers": 4},
    "xlarge": {"environment_class": "mw1.xlarge", "schedulers": 4, "min_workers": 1, "max_workers": 25,
               "min_webservers": 2, "max_webservers": 5},
    "xxlarge": {"environment_class": "mw1.2xlarge", "schedulers": 5, "min_workers": 25, "max_workers": 25,
                "min_webservers": 5, "max_webservers": 5},
    "customer": {"environment_class": "mw1.micro", "schedulers": 1, "min_workers": 1, "max_workers": 1,
                 "min_webservers": 1, "max_webservers": 1, "endpoint_management": "CUSTOMER",
                 "access_mode": "PRIVATE_ONLY"},
}


class Terraform:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.timings: dict[str, float] = {}

    def run(self, label: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        done = subprocess.run(["terraform", *args, "-no-color"], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        self.timings[label] = round(time.monotonic() - started, 1)
        assert done.returncode == 0, (f"terraform {label} exited {done.returncode}:\n"
                                      f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def write_vars(self, values: dict[str, Any]) -> None:
        (self.workdir / "test.tfvars.json").write_text(json.dumps(values))

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "output", "-json").stdout)
        return {k: v["value"] for k, v in raw.items()}


def test_environment_lifecycle_through_terraform(tmp_path: Path, mwaa_vars: dict[str, str], mwaa: Any,
                                                 terraform_cli_config: str) -> None:
    workdir = tmp_path / "tf"
    workdir.mkdir()
    shutil.copy(CONFIG, workdir / "main.tf")
    tf = Terraform(workdir, clean_env({**mwaa_vars, "TF_CLI_CONFIG_FILE": terraform_cli_config,
                                       "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}))
    prefix = f"tf{uuid.uuid4().hex[:6]}"
    values: dict[str, Any] = {"prefix": prefix, "environments": CLASSES, "requirements": "requests\n"}
    tf.write_vars(values)
    tf.run("init", "init")
    try:
        # CUSTOMER: the provider's create waiter accepts PENDING, so apply completes before the endpoints exist
        tf.run("apply", "apply", "-auto-approve", "-var-file=test.tfvars.json")
        out = tf.outputs()
        envs = out["environments"]
        for key, spec in CLASSES.items():
            got = mwaa.get_environment(Name=f"{prefix}-{key}")["Environment"]
            assert got["EnvironmentClass"] == spec["environment_class"]
            assert (got["Schedulers"], got["MinWorkers"], got["MaxWorkers"], got["MinWebservers"],
                    got["MaxWebservers"]) == (spec["schedulers"], spec["min_workers"], spec["max_workers"],
                                              spec["min_webservers"], spec["max_webservers"])
            assert envs[key]["arn"] == got["Arn"] and envs[key]["webserver_url"] == got["WebserverUrl"]
            assert got["Status"] == ("PENDING" if key == "customer" else "AVAILABLE")
            worker_logs = got["LoggingConfiguration"]["WorkerLogs"]
            assert (worker_logs["Enabled"], worker_logs["LogLevel"]) == (True, "CRITICAL")
            assert worker_logs["CloudWatchLogGroupArn"].endswith(f":log-group:airflow-{prefix}-{key}-Worker")
        assert envs["small"]["requirements_s3_object_version"] == out["requirements_version"]
        assert envs["micro"]["database_vpc_endpoint_service"] == ""  # SERVICE: no endpoint services
        customer = envs["customer"]
        assert customer["database_vpc_endpoint_service"] and customer["webserver_vpc_endpoint_service"]


        ec2 = boto3.client("ec2")
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])["Subnets"]]
        endpoints = [ec2.create_vpc_endpoint(VpcId=out["vpc_id"], ServiceName=service, VpcEndpointType="Interface",
                                             SubnetIds=subnets)["VpcEndpoint"]["VpcEndpointId"]
                     for service in (customer["database_vpc_endpoint_service"],
                                     customer["webserver_vpc_endpoint_service"])]
        wait_status(mwaa, f"{prefix}-customer", {"AVAILABLE"}, timeout=60, leaving={"PENDING", "CREATING"})
        tf.run("replan", "plan", "-detailed-exitcode", "-var-file=test.tfvars.json")

        values["environments"]["small"] = {**CLASSES["small"], "environment_class": "mw1.medium", "max_workers": 3}
        values["requirements"] = "requests\nsix\n"
        tf.write_vars(values)
        tf.run("plan-update", "plan", "-var-file=test.tfvars.json", "-out=update.plan")
        plan = json.loads(tf.run("show", "show", "-json", "update.plan").stdout)
        actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]
                   if c["change"]["actions"] != ["no-op"]}
        assert actions == {'aws_mwaa_environment.this["small"]': ["update"],
                           "aws_s3_object.requirements": ["update"]}
        tf.run("apply-update", "apply", "update.plan")
        new_version = tf.outputs()["requirements_version"]
        assert new_version != out["requirements_version"]
        small = mwaa.get_environment(Name=f"{prefix}-small")["Environment"]
        assert (small["Status"], small["EnvironmentClass"], small["MaxWorkers"]) == ("AVAILABLE", "mw1.medium", 3)
        assert small["RequirementsS3ObjectVersion"] == new_version
        tf.run("replan-update", "plan", "-detailed-exitcode", "-var-file=test.tfvars.json")

        tf.run("destroy", "destroy", "-auto-approve", "-var-file=test.tfvars.json")
        left = [n for n in mwaa.list_environments()["Environments"] if n.startswith(prefix)]
        assert left == []
        ec2.delete_vpc_endpoints(VpcEndpointIds=endpoints)
    finally:
        if (workdir / "terraform.tfstate").exists() and "destroy" not in tf.timings:
            subprocess.run(["terraform", "destroy", "-auto-approve", "-no-color",
                            "-var-file=test.tfvars.json"], cwd=workdir, env=tf.env, capture_output=True, timeout=600,
                           check=False)
        (tmp_path / "timings.json").write_text(json.dumps(tf.timings))
        print("terraform timings (s):", tf.timings)
