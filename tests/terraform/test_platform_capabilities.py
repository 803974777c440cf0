"""End to end: the platform root stack with SSO, the DAG invokers and the cross-account data pipeline switched on
by terraform/envs/local.tfvars applies into the emulator in the primary region through scripts/tf.sh, wires each to
the environment, re-plans with no changes and destroys leaving nothing behind.

Focused on the three parts: EKS and DR are switched off by a later -var-file (test_platform_e2e.py and the drill
cover them), and the local MWAA runs the control plane only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from tfhelpers import wait_for

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
PRODUCER = "111111111111"  # cross_account_data.producer_role_arn in local.tfvars

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


@pytest.fixture(scope="module")
def capabilities_mwaa(emulator: Emulator, postgres: Cluster, session_state: Path) -> Iterator[LocalMwaa]:
    service = LocalMwaa(pg_port=postgres.port, pg_root=postgres.root, emulator_env=emulator.env(REGION),
                        port=ports.free_port(), root=session_state / "capabilities-mwaa",
                        options={"default_runtime": "none", "control_plane_delay": 0.5})
    service.start()
    emulator.set_lambda_env(mwaa_env(service.port))
    try:
        yield service
    finally:
        emulator.set_lambda_env({})  # the session's later Lambdas must not be routed to a stopped service
        service.stop()


def _tf(action: str, env: dict[str, str], var_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [] if action == "output" else [f"-var-file={var_file}"]
    result = subprocess.run([str(REPO / "scripts" / "tf.sh"), action, "platform", "local", REGION, "-no-color",
                             *args, *extra], env=env, capture_output=True, text=True, timeout=1500, check=False)
    (var_file.parent / f"terraform-{action}.log").write_text(result.stdout + result.stderr)  # the whole story
    return result


def _env(emulator: Emulator, state: Path, mwaa: LocalMwaa) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith(("aws_", "tf_", "http_", "https_", "no_"))}
    env.update(emulator.env(REGION))
    env.update(mwaa_env(mwaa.port))
    env["MWAA_PLATFORM_STATE"] = str(state)
    env["TF_CLI_CONFIG_FILE"] = str(REPO / ".state" / "terraform.rc")
    return env


def _session(emulator: Emulator, account: str | None = None) -> boto3.session.Session:
    env = emulator.env(REGION)
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=REGION)
    if account is None:
        return session
    creds = session.client("sts", endpoint_url=emulator.endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/terraform-data-producer", RoleSessionName="test")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name=REGION)


def _mwaa(mwaa: LocalMwaa) -> Any:
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name=REGION).client(
        "mwaa", endpoint_url=mwaa_env(mwaa.port)["AWS_ENDPOINT_URL_MWAA"],
        config=Config(proxies={"http": f"http://127.0.0.1:{mwaa.port}"}))


def test_sso_invokers_and_pipeline_apply_replan_destroy(emulator: Emulator, capabilities_mwaa: LocalMwaa,
                                                        tmp_path: Path) -> None:
    # the test's own copy of the Lambda zips: a `make package` elsewhere during the test would show up as drift
    zips = tmp_path / "lambda"
    shutil.copytree(REPO / "build" / "lambda", zips)
    var_file = tmp_path / "focus.tfvars.json"
    var_file.write_text(json.dumps({"eks": {"enabled": False}, "dr": {"enabled": False}, "lambda_zip_dir": str(zips)}))
    env = _env(emulator, tmp_path, capabilities_mwaa)
    b = _session(emulator)  # account B: this stack's
    timings: dict[str, float] = {}
    started = time.monotonic()
    result = _tf("apply", env, var_file)
    timings["apply"] = time.monotonic() - started
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        outputs = {k: v["value"] for k, v in json.loads(_tf("output", env, var_file, "-json").stdout).items()
                   if not v.get("sensitive")}
        wait_for(lambda: _mwaa(capabilities_mwaa).get_environment(Name="mwaa-local")["Environment"]["Status"]
                 == "AVAILABLE", 180, "mwaa-local to become AVAILABLE")
        environment = _mwaa(capabilities_mwaa).get_environment(Name="mwaa-local")["Environment"]

        # SSO: an internal ALB in the environment's VPC, grants table, authenticator naming this environment
        sso = outputs["sso"]
        lb = b.client("elbv2", endpoint_url=emulator.endpoint).describe_load_balancers(
            LoadBalancerArns=[sso["alb_arn"]])["LoadBalancers"][0]
        assert lb["Scheme"] == "internal" and lb["VpcId"] == outputs["vpc_id"]
        assert set(sso["login_urls"]) == {"local"}
        assert sso["table_name"] in b.client("dynamodb", endpoint_url=emulator.endpoint).list_tables()["TableNames"]

        # DAG invokers: one schedule per flow, the function allowed InvokeRestApi on this environment only
        invokers = outputs["dag_invokers"]
        assert set(invokers["schedule_arns"]) == {"nightly_setup_teardown"}
        fn = b.client("lambda", endpoint_url=emulator.endpoint).get_function(
            FunctionName=invokers["scheduled_function_arn"])["Configuration"]
        role = fn["Role"].rsplit("/", 1)[-1]
        iam = b.client("iam", endpoint_url=emulator.endpoint)
        documents = [iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
                     for n in iam.list_role_policies(RoleName=role)["PolicyNames"]]
        assert environment["Arn"] in json.dumps(documents)

        # cross-account data: account A's buckets, the execution role's pipeline policy, the secrets backend
        data = outputs["cross_account_data"]
        assert data["producer_account_id"] == PRODUCER and data["redshift_workgroup_name"] is None
        a_buckets = [x["Name"] for x in _session(emulator, PRODUCER).client(
            "s3", endpoint_url=emulator.endpoint).list_buckets()["Buckets"]]
        assert {data["input_bucket_name"], data["output_bucket_name"]} <= set(a_buckets)
        execution_role = environment["ExecutionRoleArn"].rsplit("/", 1)[-1]
        assert "mwaa-local-data-data-pipeline" in iam.list_role_policies(RoleName=execution_role)["PolicyNames"]
        assert environment["AirflowConfigurationOptions"]["secrets.backend"].endswith("SecretsManagerBackend")

        started = time.monotonic()
        replan = _tf("plan", env, var_file, "-detailed-exitcode")
        timings["re-plan"] = time.monotonic() - started
        assert replan.returncode == 0, f"drift:\n{replan.stdout[-4000:]}{replan.stderr[-2000:]}"
    finally:
        started = time.monotonic()
        destroyed = _tf("destroy", env, var_file)
        timings["destroy"] = time.monotonic() - started
        print("timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
        assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-3000:]
    ec2 = b.client("ec2", endpoint_url=emulator.endpoint)
    left = ec2.describe_vpcs(Filters=[{"Name": "tag:mwaa-platform:environment", "Values": ["local"]}])["Vpcs"]
    assert left == []
    assert not b.client("elbv2", endpoint_url=emulator.endpoint).describe_load_balancers()["LoadBalancers"]
