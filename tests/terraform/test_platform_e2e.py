"""End to end: the platform root stack applies into the emulator in two regions through the same path users
take (scripts/tf.sh: S3 backend in the emulator, workspace per region), re-plans with no changes, and
destroys leaving no VPC behind.

SSO, the DAG invokers and the cross-account pipeline of local.tfvars are switched off by a later -var-file:
test_platform_capabilities.py applies, wires, re-plans and destroys exactly those (and `make demo` runs all of
local.tfvars), so this test spends its time on what only it covers: two regions, DR, EKS, the endpoint automation."""

from __future__ import annotations

import json
import os
import subprocess
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
REGIONS = ("us-east-1", "us-west-2")

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


FOCUS = {"sso": {"enabled": False}, "dag_invokers": {"enabled": False}, "cross_account_data": {"enabled": False}}


def _tf(action: str, region: str, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    var_file = Path(env["MWAA_PLATFORM_STATE"]) / "focus.tfvars.json"
    var_file.write_text(json.dumps(FOCUS))
    return subprocess.run([str(REPO / "scripts" / "tf.sh"), action, "platform", "local", region, "-no-color",
                           f"-var-file={var_file}", *extra],
                          env=env, capture_output=True, text=True, timeout=900, check=False)


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


def _platform_vpcs(ec2: Any) -> list[str]:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:mwaa-platform:environment", "Values": ["local"]}])["Vpcs"]
    return [v["VpcId"] for v in vpcs]


def _endpoints_for(ec2: Any, service_name: str) -> list[dict[str, Any]]:
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": [service_name]}])["VpcEndpoints"]
    return [e for e in found if e["State"].lower() not in ("deleted", "deleting")]


def test_platform_two_regions_apply_replan_destroy(emulator: Emulator, platform_mwaa: LocalMwaa,
                                                   tmp_path: Path) -> None:
    """Both regions apply (warm standby: an environment in each), the CUSTOMER environment goes PENDING ->
    our Lambda creates its endpoints -> AVAILABLE with nobody doing anything, re-plan is clean, destroy removes
    everything including the endpoints the Lambda made."""
    applied: list[str] = []
    service_names: dict[str, list[str]] = {}
    try:
        for region in REGIONS:
            env = _env(emulator, region, tmp_path, platform_mwaa)
            result = _tf("apply", region, env)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            applied.append(region)
            ec2 = _client("ec2", region, emulator, platform_mwaa)
            assert len(_platform_vpcs(ec2)) == 1  # (cross_account_data's Redshift VPC is switched off here)
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

        for region in REGIONS:
            result = _tf("plan", region, _env(emulator, region, tmp_path, platform_mwaa), "-detailed-exitcode")
            assert result.returncode == 0, f"drift in {region}:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"

        # state lives in the emulator's S3, one workspace per region
        s3 = _client("s3", "us-east-1", emulator, platform_mwaa)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="mwaa-platform-local-tfstate")["Contents"]}
        assert {f"env:/{r}/platform/terraform.tfstate" for r in REGIONS} <= keys
    finally:
        for region in reversed(applied):
            result = _tf("destroy", region, _env(emulator, region, tmp_path, platform_mwaa))
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for region in REGIONS:
        ec2 = _client("ec2", region, emulator, platform_mwaa)
        assert _platform_vpcs(ec2) == []
        for name in service_names.get(region, []):
            assert _endpoints_for(ec2, name) == [], f"endpoint for {name} left behind in {region}"
        assert _client("mwaa", region, emulator, platform_mwaa).list_environments()["Environments"] == []
