"""modules/eks-irsa/examples/complete against the emulator: apply, re-plan clean, change in place, bootstrap the
cluster objects from the real `terraform output -json`, destroy. Needs the emulator's EKS fixes (access
entries, access config, cluster/node-group updates, no invented remote access, presigned STS)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from apiserver_double import ApiServerDouble
from click.testing import CliRunner

from mwaa_local.emulator import Emulator
from mwaa_platform.cli import main
from terraform import tfhelpers

pytestmark = [pytest.mark.terraform, pytest.mark.emulator, pytest.mark.slow]

NAME = "eks-irsa-e2e"
NAMESPACE = "airflow-pods"


@pytest.fixture(scope="module")
def network(emulator: Emulator) -> dict[str, Any]:
    """Two private subnets and a stand-in MWAA execution role, as the network and MWAA modules would give."""
    env = emulator.env("us-east-1")
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
    ec2 = session.client("ec2", endpoint_url=emulator.endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.61.{i}.0/24", AvailabilityZone=f"us-east-1{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    iam = session.client("iam", endpoint_url=emulator.endpoint)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "airflow.amazonaws.com"}}]}
    role = iam.create_role(RoleName=f"{NAME}-mwaa-exec", Path="/service-role/",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return {"subnet_ids": subnets, "mwaa_execution_role_arn": role, "source_bucket": f"{NAME}-src",
            "destination_bucket": f"{NAME}-dst", "name": NAME, "namespace": NAMESPACE}


@pytest.fixture(scope="module")
def applied(emulator: Emulator, network: dict[str, Any],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tfhelpers.Terraform]:
    workdir = tfhelpers.stage(tfhelpers.REPO, "modules/eks-irsa/examples/complete", tmp_path_factory.mktemp("eks"))
    tf = tfhelpers.Terraform(workdir, env=emulator.env("us-east-1"), timeout=420)
    tf.init()
    try:
        tf.apply(var=network)
        yield tf
    finally:
        tf.destroy(var=network)


def _assert_clean(tf: tfhelpers.Terraform, var: dict[str, Any]) -> None:
    if tf.plan_exit_code(var=var) != 0:
        pytest.fail("re-plan is not clean:\n" + tfhelpers.describe_drift(tf.plan_changes(var=var)))


def test_apply_replans_clean(applied: tfhelpers.Terraform, network: dict[str, Any]) -> None:
    _assert_clean(applied, network)


def test_what_was_created(applied: tfhelpers.Terraform, network: dict[str, Any], aws_env: dict[str, str]) -> None:
    eks = boto3.client("eks")
    cluster = eks.describe_cluster(name=NAME)["cluster"]
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    assert cluster["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["resourcesVpcConfig"]["endpointPublicAccess"] is False
    assert cluster["encryptionConfig"][0]["resources"] == ["secrets"]
    assert cluster["logging"]["clusterLogging"][0]["enabled"] is True
    assert len(cluster["logging"]["clusterLogging"][0]["types"]) == 5

    role_arn = network["mwaa_execution_role_arn"]
    assert eks.list_access_entries(clusterName=NAME)["accessEntries"] == [role_arn]
    entry = eks.describe_access_entry(clusterName=NAME, principalArn=role_arn)["accessEntry"]
    assert entry["kubernetesGroups"] == ["mwaa-pod-operators"] and entry["type"] == "STANDARD"
    policies = eks.list_associated_access_policies(clusterName=NAME, principalArn=role_arn)["associatedAccessPolicies"]
    assert [(p["policyArn"].rsplit("/", 1)[-1], p["accessScope"]) for p in policies] == [
        ("AmazonEKSViewPolicy", {"type": "namespace", "namespaces": [NAMESPACE]})]

    nodegroup = eks.describe_nodegroup(clusterName=NAME, nodegroupName="default")["nodegroup"]
    assert "remoteAccess" not in nodegroup
    assert nodegroup["scalingConfig"] == {"minSize": 1, "maxSize": 4, "desiredSize": 2}

    iam = boto3.client("iam")
    outputs = applied.output()
    issuer = cluster["identity"]["oidc"]["issuer"].removeprefix("https://")
    for key, arn in outputs["service_account_role_arns"].items():
        trust: Any = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
        condition = trust["Statement"][0]["Condition"]["StringEquals"]
        assert condition == {f"{issuer}:sub": f"system:serviceaccount:{NAMESPACE}:{key}",
                             f"{issuer}:aud": "sts.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=f"{NAME}-mwaa-exec")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [outputs["mwaa_describe_cluster_policy_arn"]]


def test_in_place_update_then_clean(applied: tfhelpers.Terraform, network: dict[str, Any],
                                    aws_env: dict[str, str]) -> None:
    bigger = {**network, "max_nodes": 6}
    applied.apply(var=bigger)
    scaling = boto3.client("eks").describe_nodegroup(clusterName=NAME, nodegroupName="default")["nodegroup"][
        "scalingConfig"]
    assert scaling["maxSize"] == 6
    _assert_clean(applied, bigger)


def test_bootstrap_from_terraform_outputs(applied: tfhelpers.Terraform, aws_env: dict[str, str],
                                          tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(applied.run("output", "-json").stdout)
    with ApiServerDouble(NAME, sts_check=True) as double:
        result = CliRunner().invoke(main, ["k8s", "bootstrap", "--outputs", str(outputs), "--server", double.url])
        assert result.exit_code == 0, result.output
        reader = double.get("ServiceAccount", "s3-reader", NAMESPACE)
        assert reader is not None
        assert reader["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == \
            applied.output()["service_account_role_arns"]["s3-reader"]
        binding = double.get("RoleBinding", "mwaa-pod-operator", NAMESPACE)
        assert binding is not None and binding["subjects"][0]["name"] == "mwaa-pod-operators"
        assert double.identities
