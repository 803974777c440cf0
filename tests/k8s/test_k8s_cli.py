"""`mwaa-platform k8s bootstrap` end to end: Terraform outputs in, objects in the API server double out."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from apiserver_double import ApiServerDouble
from click.testing import CliRunner
from k8s_outputs import CLUSTER, terraform_outputs

from mwaa_platform.cli import main
from mwaa_platform.k8s import eks_client


def _outputs_file(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(terraform_outputs(**overrides)))
    return path


def test_bootstrap_creates_then_reports_nothing_to_do(tmp_path: Path, apiserver: ApiServerDouble,
                                                      dummy_credentials: None) -> None:
    outputs = _outputs_file(tmp_path)
    args = ["k8s", "bootstrap", "--outputs", str(outputs), "--server", apiserver.url]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "created   RoleBinding airflow-pods/mwaa-pod-operator" in first.stdout
    assert "done: 5 changed, 0 unchanged" in first.stderr
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert "done: 0 changed, 5 unchanged" in second.stderr
    assert "k8s-aws-v1" not in first.output + second.output  # the token is never printed
    assert len(apiserver.objects) == 5


def test_bootstrap_reads_stdin(apiserver: ApiServerDouble, dummy_credentials: None) -> None:
    result = CliRunner().invoke(main, ["k8s", "bootstrap", "--outputs", "-", "--server", apiserver.url],
                                input=json.dumps(terraform_outputs(mwaa=None)))
    assert result.exit_code == 0, result.output
    assert {key[0] for key in apiserver.objects} == {"Namespace", "ServiceAccount"}


def test_dry_run_prints_manifests_and_touches_nothing(tmp_path: Path, apiserver: ApiServerDouble,
                                                      dummy_credentials: None) -> None:
    result = CliRunner().invoke(main, ["k8s", "bootstrap", "--outputs", str(_outputs_file(tmp_path)),
                                       "--server", apiserver.url, "--dry-run"])
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert [d["kind"] for d in docs] == ["Namespace", "ServiceAccount", "ServiceAccount", "Role", "RoleBinding"]
    assert apiserver.requests == []


def test_malformed_outputs_fail_before_any_request(tmp_path: Path, apiserver: ApiServerDouble,
                                                   dummy_credentials: None) -> None:
    bad = _outputs_file(tmp_path, service_accounts={"r": {"namespace": "Bad_NS", "service_account": "r",
                                                          "role_arn": "arn:aws:iam::123456789012:role/r"}})
    result = CliRunner().invoke(main, ["k8s", "bootstrap", "--outputs", str(bad), "--server", apiserver.url])
    assert result.exit_code == 1
    assert "namespace name" in result.output
    assert apiserver.requests == []


def test_refusal_is_a_clean_error(tmp_path: Path, apiserver: ApiServerDouble, dummy_credentials: None) -> None:
    apiserver.fail_next.append(("GET", 500))
    result = CliRunner().invoke(main, ["k8s", "bootstrap", "--outputs", str(_outputs_file(tmp_path)),
                                       "--server", apiserver.url])
    assert result.exit_code == 1
    assert "Error: Namespace airflow-pods: HTTP 500" in result.output


def test_token_command_prints_an_exec_credential(dummy_credentials: None) -> None:
    result = CliRunner().invoke(main, ["k8s", "token", "--cluster-name", CLUSTER, "--region", "us-east-1"])
    assert result.exit_code == 0, result.output
    cred = json.loads(result.stdout)
    assert cred["kind"] == "ExecCredential" and cred["status"]["token"].startswith("k8s-aws-v1.")


@pytest.mark.emulator
def test_bootstrap_authenticates_like_eks(tmp_path: Path, aws_env: dict[str, str]) -> None:
    """The double validates each request's token by calling its presigned URL on the emulator's STS."""
    with ApiServerDouble(CLUSTER, sts_check=True) as double:
        result = CliRunner().invoke(main, ["k8s", "bootstrap", "--outputs", str(_outputs_file(tmp_path)),
                                           "--server", double.url])
        assert result.exit_code == 0, result.output
        assert len(double.objects) == 5
        caller = boto3.client("sts").get_caller_identity()["Arn"]
        assert double.identities and set(double.identities) == {caller}


@pytest.mark.emulator
def test_endpoint_and_ca_come_from_describe_cluster(aws_env: dict[str, str]) -> None:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="k8s-cli-test-cluster", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks = boto3.client("eks")
    eks.create_cluster(name="k8s-cli-test", roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]})
    try:
        endpoint = eks_client.describe("k8s-cli-test", "us-east-1")
        described = eks.describe_cluster(name="k8s-cli-test")["cluster"]
        assert endpoint.server == described["endpoint"] and endpoint.server.startswith("https://")
        assert endpoint.ca_data == described["certificateAuthority"]["data"]
    finally:
        eks.delete_cluster(name="k8s-cli-test")
        iam.delete_role(RoleName="k8s-cli-test-cluster")
