"""End to end: the platform root stack applies into the emulator in two regions through the same path users
take (scripts/tf.sh: S3 backend in the emulator, workspace per region), re-plans with no changes, and
destroys leaving no VPC behind.

The primary region applies terraform/envs/local.tfvars whole: two regions, DR (warm standby), EKS, the endpoint
automation, and SSO, the DAG invokers and the cross-account pipeline, each wired to the environment. The
secondary switches SSO off by a later -var-file (the primary covers it; the invokers and the pipeline are
primary-only). One apply per region serves every check: the platform's resources are applied once, not once per
capability (this file was two, 640 s of CI between them).
"""

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
from tfhelpers import owner_session, participant_session, wait_for

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster

REPO = Path(__file__).resolve().parents[2]
REGIONS = ("us-east-1", "us-west-2")
PRIMARY = REGIONS[0]
PRODUCER = "111111111111"  # cross_account_data.producer_role_arn in local.tfvars

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


def _tf(action: str, region: str, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    state = Path(env["MWAA_PLATFORM_STATE"])
    args = [] if action == "output" else [f"-var-file={state / f'{region}.tfvars.json'}"]
    result = subprocess.run([str(REPO / "scripts" / "tf.sh"), action, "platform", "local", region, "-no-color",
                             *args, *extra], env=env, capture_output=True, text=True, timeout=1500, check=False)
    (state / f"terraform-{action}-{region}.log").write_text(result.stdout + result.stderr)  # the whole story
    return result


def _var_files(state: Path) -> None:
    """The test's own copy of the Lambda zips (a `make package` elsewhere during the test would show up as drift);
    the secondary without SSO."""
    zips = state / "lambda"
    shutil.copytree(REPO / "build" / "lambda", zips)
    for region in REGIONS:
        focus: dict[str, Any] = {"lambda_zip_dir": str(zips)}
        if region != PRIMARY:
            focus["sso"] = {"enabled": False}
        (state / f"{region}.tfvars.json").write_text(json.dumps(focus))


@pytest.fixture(scope="module")
def platform_mwaa(emulator: Emulator, postgres: Cluster, session_state: Path) -> Iterator[LocalMwaa]:
    """A local MWAA for the platform stack: control plane only (real Airflow is covered in tests/local_mwaa)."""
    service = LocalMwaa(pg_port=postgres.port, pg_root=postgres.root, emulator_env=emulator.env("us-east-1"),
                        port=ports.free_port(), root=session_state / "platform-mwaa",
                        options={"default_runtime": "none", "control_plane_delay": 0.5})
    service.start()
    emulator.set_lambda_env(mwaa_env(service.port))
    try:
        yield service
    finally:
        emulator.set_lambda_env({})  # the session's later Lambdas must not be routed to a stopped service
        service.stop()


def _env(emulator: Emulator, region: str, state: Path, mwaa: LocalMwaa) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith(("aws_", "tf_", "http_", "https_", "no_"))}
    env.update(emulator.env(region))
    env.update(mwaa_env(mwaa.port))
    env["MWAA_PLATFORM_STATE"] = str(state)
    env["TF_CLI_CONFIG_FILE"] = str(REPO / ".state" / "terraform.rc")
    return env


def _client(service: str, region: str, emulator: Emulator, mwaa: LocalMwaa) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=region)
    if service == "mwaa":  # through the local MWAA's proxy, as the SDKs do with HTTP_PROXY
        return session.client("mwaa", endpoint_url=mwaa_env(mwaa.port)["AWS_ENDPOINT_URL_MWAA"],
                              config=Config(proxies={"http": f"http://127.0.0.1:{mwaa.port}"}))
    return session.client(service, endpoint_url=emulator.endpoint)


def _check_capabilities(emulator: Emulator, environment: dict[str, Any], outputs: dict[str, Any]) -> None:
    """SSO, the DAG invokers and the cross-account pipeline, each wired to the primary's environment."""
    b = owner_session(emulator, PRIMARY)  # account B: this stack's
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
    a = participant_session(emulator, PRIMARY, PRODUCER, role="terraform-data-producer")  # account A
    a_buckets = [x["Name"] for x in a.client("s3", endpoint_url=emulator.endpoint).list_buckets()["Buckets"]]
    assert {data["input_bucket_name"], data["output_bucket_name"]} <= set(a_buckets)
    execution_role = environment["ExecutionRoleArn"].rsplit("/", 1)[-1]
    assert "mwaa-local-data-data-pipeline" in iam.list_role_policies(RoleName=execution_role)["PolicyNames"]
    assert environment["AirflowConfigurationOptions"]["secrets.backend"].endswith("SecretsManagerBackend")


def _platform_vpcs(ec2: Any) -> list[str]:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:mwaa-platform:environment", "Values": ["local"]}])["Vpcs"]
    return [v["VpcId"] for v in vpcs]


def _endpoints_for(ec2: Any, service_name: str) -> list[dict[str, Any]]:
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": [service_name]}])["VpcEndpoints"]
    return [e for e in found if e["State"].lower() not in ("deleted", "deleting")]


def test_platform_two_regions_apply_replan_destroy(emulator: Emulator, platform_mwaa: LocalMwaa,
                                                   tmp_path: Path) -> None:
    """Both regions apply (warm standby: an environment in each), the CUSTOMER environment goes PENDING ->
    our Lambda creates its endpoints -> AVAILABLE with nobody doing anything, the primary's SSO, invokers and
    pipeline are wired to its environment, re-plan is clean, destroy removes everything including the endpoints
    the Lambda made."""
    _var_files(tmp_path)
    applied: list[str] = []
    service_names: dict[str, list[str]] = {}
    timings: dict[str, float] = {}
    try:
        for region in REGIONS:
            env = _env(emulator, region, tmp_path, platform_mwaa)
            started = time.monotonic()
            result = _tf("apply", region, env)
            timings[f"apply {region}"] = time.monotonic() - started
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            applied.append(region)
            ec2 = _client("ec2", region, emulator, platform_mwaa)
            outputs = {k: v["value"] for k, v in json.loads(_tf("output", region, env, "-json").stdout).items()
                       if not v.get("sensitive")}
            vpcs = _platform_vpcs(ec2)
            expected = {outputs["vpc_id"]}
            if region == PRIMARY:  # and the cross-account pipeline's Redshift VPC
                expected.add(outputs["cross_account_data"]["redshift_vpc_id"])
            assert set(vpcs) == expected, (vpcs, expected)
            mwaa = _client("mwaa", region, emulator, platform_mwaa)
            environment = mwaa.get_environment(Name="mwaa-local")["Environment"]
            assert environment["EndpointManagement"] == "CUSTOMER"
            names = [environment["DatabaseVpcEndpointService"], environment["WebserverVpcEndpointService"]]
            service_names[region] = names
            # unattended: the automation Lambda reacts to PENDING and the environment becomes AVAILABLE
            wait_for(lambda mwaa=mwaa: mwaa.get_environment(Name="mwaa-local")["Environment"]["Status"] == "AVAILABLE",
                  180, f"mwaa-local in {region} to become AVAILABLE")
            for name in names:  # PRIVATE_ONLY: database and webserver endpoints, exactly one each
                assert len(_endpoints_for(ec2, name)) == 1, name
            if region == PRIMARY:
                _check_capabilities(emulator, mwaa.get_environment(Name="mwaa-local")["Environment"], outputs)
            else:
                assert outputs.get("sso") is None and outputs.get("dag_invokers") is None, outputs  # null: not listed

        for region in REGIONS:
            started = time.monotonic()
            result = _tf("plan", region, _env(emulator, region, tmp_path, platform_mwaa), "-detailed-exitcode")
            timings[f"re-plan {region}"] = time.monotonic() - started
            assert result.returncode == 0, f"drift in {region}:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"

        # state lives in the emulator's S3, one workspace per region
        s3 = _client("s3", PRIMARY, emulator, platform_mwaa)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="mwaa-platform-local-tfstate")["Contents"]}
        assert {f"env:/{r}/platform/terraform.tfstate" for r in REGIONS} <= keys
    finally:
        for region in reversed(applied):
            started = time.monotonic()
            result = _tf("destroy", region, _env(emulator, region, tmp_path, platform_mwaa))
            timings[f"destroy {region}"] = time.monotonic() - started
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        print("timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    for region in REGIONS:
        ec2 = _client("ec2", region, emulator, platform_mwaa)
        assert _platform_vpcs(ec2) == []
        for name in service_names.get(region, []):
            assert _endpoints_for(ec2, name) == [], f"endpoint for {name} left behind in {region}"
        assert _client("mwaa", region, emulator, platform_mwaa).list_environments()["Environments"] == []
        assert not _client("elbv2", region, emulator, platform_mwaa).describe_load_balancers()["LoadBalancers"]
