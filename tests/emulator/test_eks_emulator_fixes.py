"""The EKS and presigned-URL fixes (eks_access_entries, eks_access_config, eks_cluster_updates,
eks_nodegroup_remote_access, presigned_query_auth): each test fails against moto 5.2.5 without its fix, except
the two that guard the presign fix itself (S3 presigned URLs still reach S3; the header mapping is S3-free)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from mwaa_local.aws_emulator.fixes.presigned_query_auth import authorization_from_query

VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
EDIT = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


@pytest.fixture
def cluster(aws_env: dict[str, str]) -> Iterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"eks-{suffix}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks = boto3.client("eks")
    name = f"c-{suffix}"
    created = eks.create_cluster(name=name, roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]},
                                 accessConfig={"authenticationMode": "API",
                                               "bootstrapClusterCreatorAdminPermissions": False})["cluster"]
    yield {"name": name, "role": role, "eks": eks, "created": created}
    for ng in eks.list_nodegroups(clusterName=name)["nodegroups"]:
        eks.delete_nodegroup(clusterName=name, nodegroupName=ng)
    eks.delete_cluster(name=name)
    iam.delete_role(RoleName=f"eks-{suffix}")


# -- eks_access_config ---------------------------------------------------------------------------------------
def test_access_config_is_kept_and_described(cluster: dict[str, Any]) -> None:
    expected = {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert cluster["created"]["accessConfig"] == expected
    assert cluster["eks"].describe_cluster(name=cluster["name"])["cluster"]["accessConfig"] == expected


def test_access_config_defaults_and_one_way_mode_changes(cluster: dict[str, Any]) -> None:
    eks = cluster["eks"]
    name = f"{cluster['name']}-d"
    eks.create_cluster(name=name, roleArn=cluster["role"], resourcesVpcConfig={"subnetIds": ["subnet-1"]})
    try:
        assert eks.describe_cluster(name=name)["cluster"]["accessConfig"] == {
            "authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True}
        eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
        assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
        with pytest.raises(ClientError) as back:
            eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "CONFIG_MAP"})
        assert _code(back) == "InvalidParameterException"
        with pytest.raises(ClientError) as bad:
            eks.create_cluster(name=f"{name}-x", roleArn=cluster["role"], resourcesVpcConfig={"subnetIds": ["s"]},
                               accessConfig={"authenticationMode": "OPEN"})
        assert _code(bad) == "InvalidParameterException"
        assert f"{name}-x" not in eks.list_clusters()["clusters"]
    finally:
        eks.delete_cluster(name=name)


# -- eks_cluster_updates ---------------------------------------------------------------------------------------
def test_cluster_update_answers_an_update_and_keeps_the_subnets(cluster: dict[str, Any]) -> None:
    eks = cluster["eks"]
    update = eks.update_cluster_config(name=cluster["name"], resourcesVpcConfig={
        "endpointPrivateAccess": True, "endpointPublicAccess": False})["update"]
    assert update["status"] == "Successful" and update["type"] == "EndpointAccessUpdate"
    described = eks.describe_update(name=cluster["name"], updateId=update["id"])["update"]
    assert described["id"] == update["id"] and described["status"] == "Successful"
    vpc = eks.describe_cluster(name=cluster["name"])["cluster"]["resourcesVpcConfig"]
    assert vpc["subnetIds"] == ["subnet-1", "subnet-2"] and vpc["endpointPublicAccess"] is False
    logging = eks.update_cluster_config(name=cluster["name"], logging={
        "clusterLogging": [{"types": ["api", "audit"], "enabled": True}]})["update"]
    assert logging["type"] == "LoggingUpdate"
    with pytest.raises(ClientError) as missing:
        eks.describe_update(name=cluster["name"], updateId="not-an-update")
    assert _code(missing) == "ResourceNotFoundException"


def test_nodegroup_update_can_be_waited_on(cluster: dict[str, Any]) -> None:
    eks = cluster["eks"]
    eks.create_nodegroup(clusterName=cluster["name"], nodegroupName="ng", nodeRole=cluster["role"],
                         subnets=["subnet-1"], scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    update = eks.update_nodegroup_config(clusterName=cluster["name"], nodegroupName="ng",
                                         scalingConfig={"minSize": 1, "maxSize": 5, "desiredSize": 1})["update"]
    described = eks.describe_update(name=cluster["name"], nodegroupName="ng", updateId=update["id"])["update"]
    assert described["status"] == "Successful"
    with pytest.raises(ClientError) as wrong_target:  # a node-group update is not a cluster update
        eks.describe_update(name=cluster["name"], updateId=update["id"])
    assert _code(wrong_target) == "ResourceNotFoundException"


# -- eks_nodegroup_remote_access --------------------------------------------------------------------------------
def test_nodegroup_has_remote_access_only_when_asked(cluster: dict[str, Any]) -> None:
    eks = cluster["eks"]
    plain = eks.create_nodegroup(clusterName=cluster["name"], nodegroupName="plain", nodeRole=cluster["role"],
                                 subnets=["subnet-1"])["nodegroup"]
    assert "remoteAccess" not in plain and "remoteAccessSecurityGroup" not in plain["resources"]
    described = eks.describe_nodegroup(clusterName=cluster["name"], nodegroupName="plain")["nodegroup"]
    assert "remoteAccess" not in described
    ssh = eks.create_nodegroup(clusterName=cluster["name"], nodegroupName="ssh", nodeRole=cluster["role"],
                               subnets=["subnet-1"], remoteAccess={"ec2SshKey": "ops"})["nodegroup"]
    assert ssh["remoteAccess"] == {"ec2SshKey": "ops"} and ssh["resources"]["remoteAccessSecurityGroup"]


# -- eks_access_entries -----------------------------------------------------------------------------------------
def test_access_entry_lifecycle(cluster: dict[str, Any]) -> None:
    eks, name = cluster["eks"], cluster["name"]
    principal = "arn:aws:iam::123456789012:role/service-role/mwaa-exec"
    entry = eks.create_access_entry(clusterName=name, principalArn=principal, kubernetesGroups=["mwaa"],
                                    tags={"team": "data"})["accessEntry"]
    assert entry["type"] == "STANDARD" and entry["kubernetesGroups"] == ["mwaa"]
    assert entry["username"] == "arn:aws:sts::123456789012:assumed-role/mwaa-exec/{{SessionName}}"
    assert re.match(rf"arn:aws:eks:us-east-1:123456789012:access-entry/{name}/role/123456789012/mwaa-exec/",
                    entry["accessEntryArn"])
    assert eks.describe_access_entry(clusterName=name, principalArn=principal)["accessEntry"] == entry
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == [principal]

    eks.associate_access_policy(clusterName=name, principalArn=principal, policyArn=VIEW,
                                accessScope={"type": "namespace", "namespaces": ["airflow-pods"]})
    eks.associate_access_policy(clusterName=name, principalArn=principal, policyArn=EDIT,
                                accessScope={"type": "namespace", "namespaces": ["team-a"]})
    listed = eks.list_associated_access_policies(clusterName=name, principalArn=principal)["associatedAccessPolicies"]
    assert [(p["policyArn"], p["accessScope"]["namespaces"]) for p in listed] == [
        (EDIT, ["team-a"]), (VIEW, ["airflow-pods"])]
    assert eks.list_access_entries(clusterName=name, associatedPolicyArn=EDIT)["accessEntries"] == [principal]

    updated = eks.update_access_entry(clusterName=name, principalArn=principal, kubernetesGroups=["mwaa", "ops"])
    assert updated["accessEntry"]["kubernetesGroups"] == ["mwaa", "ops"]
    eks.tag_resource(resourceArn=entry["accessEntryArn"], tags={"env": "test"})
    assert eks.list_tags_for_resource(resourceArn=entry["accessEntryArn"])["tags"] == {"team": "data", "env": "test"}
    eks.untag_resource(resourceArn=entry["accessEntryArn"], tagKeys=["team"])
    assert eks.list_tags_for_resource(resourceArn=entry["accessEntryArn"])["tags"] == {"env": "test"}

    eks.disassociate_access_policy(clusterName=name, principalArn=principal, policyArn=EDIT)
    with pytest.raises(ClientError) as gone:
        eks.disassociate_access_policy(clusterName=name, principalArn=principal, policyArn=EDIT)
    assert _code(gone) == "ResourceNotFoundException"
    eks.delete_access_entry(clusterName=name, principalArn=principal)
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == []
    with pytest.raises(ClientError) as deleted:
        eks.describe_access_entry(clusterName=name, principalArn=principal)
    assert _code(deleted) == "ResourceNotFoundException"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"principalArn": "arn:aws:iam::123456789012:role/r", "kubernetesGroups": ["system:masters"]},
     "InvalidParameterException"),
    ({"principalArn": "arn:aws:sts::123456789012:assumed-role/r/s"}, "InvalidParameterException"),
    ({"principalArn": "arn:aws:iam::123456789012:role/r", "type": "EC2_LINUX", "kubernetesGroups": ["g"]},
     "InvalidParameterException"),
    ({"principalArn": "arn:aws:iam::123456789012:role/r", "type": "SUPERUSER"}, "InvalidParameterException"),
])
def test_access_entry_validation(cluster: dict[str, Any], kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as err:
        cluster["eks"].create_access_entry(clusterName=cluster["name"], **kwargs)
    assert _code(err) == code
    assert cluster["eks"].list_access_entries(clusterName=cluster["name"])["accessEntries"] == []


def test_access_policy_rules(cluster: dict[str, Any]) -> None:
    eks, name = cluster["eks"], cluster["name"]
    principal = "arn:aws:iam::123456789012:role/r"
    with pytest.raises(ClientError) as no_entry:
        eks.associate_access_policy(clusterName=name, principalArn=principal, policyArn=VIEW,
                                    accessScope={"type": "cluster"})
    assert _code(no_entry) == "ResourceNotFoundException"
    eks.create_access_entry(clusterName=name, principalArn=principal)
    with pytest.raises(ClientError) as dup:
        eks.create_access_entry(clusterName=name, principalArn=principal)
    assert _code(dup) == "ResourceInUseException"
    cases = [
        ({"policyArn": VIEW, "accessScope": {"type": "namespace"}}, "InvalidParameterException"),
        ({"policyArn": VIEW, "accessScope": {"type": "cluster", "namespaces": ["a"]}}, "InvalidParameterException"),
        ({"policyArn": "arn:aws:eks::aws:cluster-access-policy/Root", "accessScope": {"type": "cluster"}},
         "ResourceNotFoundException"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError) as err:
            eks.associate_access_policy(clusterName=name, principalArn=principal, **kwargs)
        assert _code(err) == code
    assert eks.list_associated_access_policies(clusterName=name, principalArn=principal)[
        "associatedAccessPolicies"] == []
    with pytest.raises(ClientError) as no_cluster:
        eks.create_access_entry(clusterName="no-such-cluster", principalArn=principal)
    assert _code(no_cluster) == "ResourceNotFoundException"
    names = {p["name"] for p in eks.list_access_policies()["accessPolicies"]}
    assert {"AmazonEKSViewPolicy", "AmazonEKSEditPolicy", "AmazonEKSClusterAdminPolicy"} <= names


def test_access_entries_go_with_their_cluster(cluster: dict[str, Any]) -> None:
    eks = cluster["eks"]
    name = f"{cluster['name']}-tmp"
    eks.create_cluster(name=name, roleArn=cluster["role"], resourcesVpcConfig={"subnetIds": ["subnet-1"]})
    eks.create_access_entry(clusterName=name, principalArn="arn:aws:iam::123456789012:role/r")
    eks.delete_cluster(name=name)
    eks.create_cluster(name=name, roleArn=cluster["role"], resourcesVpcConfig={"subnetIds": ["subnet-1"]})
    try:
        assert eks.list_access_entries(clusterName=name)["accessEntries"] == []
    finally:
        eks.delete_cluster(name=name)


# -- presigned_query_auth ---------------------------------------------------------------------------------------
def test_presigned_sts_url_reaches_sts(aws_env: dict[str, str]) -> None:
    url = boto3.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert "<GetCallerIdentityResult>" in response.text and "<Arn>arn:aws:" in response.text


def test_presigned_s3_urls_still_reach_s3(aws_env: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    bucket = f"presign-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    assert requests.put(put, data=b"hello", timeout=10).status_code == 200
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    assert requests.get(get, timeout=10).content == b"hello"
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_authorization_header_is_derived_only_for_non_s3_presigns() -> None:
    sts = ("Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2F"
           "us-east-1%2Fsts%2Faws4_request&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=abc")
    assert authorization_from_query(sts) == ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, "
                                             "SignedHeaders=host;x-k8s-aws-id, Signature=abc")
    assert authorization_from_query(sts.replace("%2Fsts%2F", "%2Fs3%2F")) is None
    assert authorization_from_query("Action=GetCallerIdentity") is None
