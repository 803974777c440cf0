"""modules/network and modules/shared-vpc examples against the local AWS emulator.

Each network example is applied, checked through the EC2/Logs APIs, re-planned (must show no drift),
then destroyed. Work happens on a staged copy, so nothing is written into the checkout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from tfhelpers import Terraform, TerraformError, describe_drift

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

ACCOUNT_ID = "123456789012"  # the emulator's account

CASES = {
    "complete": {
        "region": "us-east-1",
        "azs": 3,
        "nat": 3,
        "endpoints": {"s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager",
                      "airflow.api", "airflow.env", "airflow.ops"},
    },
    "endpoint-only": {
        "region": "us-west-2",
        "azs": 2,
        "nat": 0,
        "endpoints": {"s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms",
                      "airflow.api", "airflow.env", "airflow.ops"},
    },
}


def _check_live(outputs: dict[str, Any], case: dict[str, Any], client: Callable[[str, str], Any]) -> None:
    region = case["region"]
    ec2 = client("ec2", region)
    vpc_id = outputs["vpc_id"]

    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert vpc["State"] == "available"

    subnets = ec2.describe_subnets(SubnetIds=outputs["private_subnet_ids"])["Subnets"]
    assert len(subnets) == case["azs"]
    assert len({s["AvailabilityZone"] for s in subnets}) == case["azs"], "private subnets must be in distinct AZs"
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets)

    # Egress: a NAT default route per private route table in nat mode, no default route at all otherwise.
    tables = ec2.describe_route_tables(RouteTableIds=outputs["private_route_table_ids"])["RouteTables"]
    default_routes = [r for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    if case["nat"]:
        assert len(default_routes) == case["azs"]
        assert {r.get("NatGatewayId") for r in default_routes} == set(outputs["nat_gateway_ids"].values())
        assert len(outputs["nat_gateway_ids"]) == case["nat"]
    else:
        assert default_routes == [], f"endpoint-only mode must have no default route: {default_routes}"
        assert outputs.get("nat_gateway_ids") is None  # null without NAT gateways
        assert ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"] == []

    # Endpoints: the requested set, each with the module's identity-perimeter policy for this account.
    assert set(outputs["endpoint_ids"]) == case["endpoints"]
    endpoints = ec2.describe_vpc_endpoints(VpcEndpointIds=list(outputs["endpoint_ids"].values()))["VpcEndpoints"]
    by_service = {e["ServiceName"].rsplit(f"{region}.", 1)[1]: e for e in endpoints}
    assert set(by_service) == case["endpoints"]
    assert by_service["s3"]["VpcEndpointType"] == "Gateway"
    assert set(by_service["s3"]["RouteTableIds"]) >= set(outputs["private_route_table_ids"])
    sqs_policy = json.loads(by_service["sqs"]["PolicyDocument"])
    assert sqs_policy["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalAccount"] == [ACCOUNT_ID]
    assert by_service["airflow.env"]["PrivateDnsEnabled"] is True

    # The default security group is stripped; the MWAA group references itself.
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert default_sg["IpPermissions"] == [] and default_sg["IpPermissionsEgress"] == []
    mwaa_sg = ec2.describe_security_groups(GroupIds=[outputs["security_group_id"]])["SecurityGroups"][0]
    assert [p["GroupId"] for perm in mwaa_sg["IpPermissions"] for p in perm["UserIdGroupPairs"]] == [
        outputs["security_group_id"]
    ]

    # Flow logs go to the KMS-encrypted log group.
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert len(flow_logs) == 1
    assert flow_logs[0]["LogDestinationType"] == "cloud-watch-logs"
    group_name = outputs["flow_log_group_arn"].split(":log-group:", 1)[1]
    groups = client("logs", region).describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group_name]
    assert groups[0].get("kmsKeyId") == outputs["kms_key_arn"]
    assert groups[0].get("retentionInDays") == 365


@pytest.mark.parametrize("example", sorted(CASES))
def test_network_example_applies_without_drift_and_destroys(
    example: str, terraform_config: Callable[..., Terraform], emulator_client: Callable[[str, str], Any]
) -> None:
    """apply -> live checks -> `plan -detailed-exitcode` must be 0 -> destroy -> nothing left."""
    case = CASES[example]
    tf = terraform_config(f"modules/network/examples/{example}", region=case["region"])
    tf_vars = {"name": f"nt-{example}-{uuid.uuid4().hex[:6]}"}

    drift: list[dict[str, Any]] = []
    vpc_id = None
    try:
        tf.apply(var=tf_vars)
        outputs = tf.output()["network"]  # the examples output the module whole
        vpc_id = outputs["vpc_id"]
        _check_live(outputs, case, emulator_client)
        if tf.plan_exit_code(var=tf_vars) != 0:
            drift = tf.plan_changes(var=tf_vars)
            assert drift, f"plan reported changes but none on resources:\n{tf.last_plan_output[-3000:]}"
    finally:
        tf.destroy(var=tf_vars)

    assert tf.state_list() == [], "destroy must leave nothing in state"
    ec2 = emulator_client("ec2", str(case["region"]))
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []

    assert not drift, f"re-plan after apply is not clean (resource, attributes):\n{describe_drift(drift)}"


@pytest.mark.parametrize("config", ["modules/network/examples/disabled", "modules/shared-vpc/examples/disabled"])
def test_disabled_examples_plan_nothing(config: str, terraform_config: Callable[..., Terraform]) -> None:
    tf = terraform_config(config)
    assert tf.plan_exit_code() == 0, f"create = false must plan no change:\n{tf.last_plan_output[-3000:]}"
    assert tf.output() == {}  # nothing applied, nothing in state


def test_shared_vpc_example_applies_shares_subnets_and_destroys(
    terraform_config: Callable[..., Terraform], emulator_client: Callable[[str, str], Any]
) -> None:
    """Owner side: the share holds both private subnets and the participant, re-plans clean, and destroys."""
    tf = terraform_config("modules/shared-vpc/examples/complete")
    changes = tf.plan_changes()
    planned: dict[str, list[dict[str, Any]]] = {}
    for rc in changes:
        assert rc["change"]["actions"] == ["create"], rc["address"]
        planned.setdefault(rc["type"], []).append(rc)
    assert len(planned["aws_ram_resource_share"]) == 1
    assert len(planned["aws_ram_resource_association"]) == 2
    assert [rc["change"]["after"]["principal"] for rc in planned["aws_ram_principal_association"]] == ["444455556666"]

    drift: list[dict[str, Any]] = []
    share_arn = None
    try:
        tf.apply()
        outputs = tf.output()
        share_arn = outputs["resource_share_arn"]
        ram = emulator_client("ram", "us-east-1")

        def associated(kind: str) -> list[str]:
            found = ram.get_resource_share_associations(associationType=kind, resourceShareArns=[share_arn])
            return sorted(a["associatedEntity"] for a in found["resourceShareAssociations"])

        assert associated("RESOURCE") == sorted(outputs["shared_subnet_arns"])
        assert associated("PRINCIPAL") == ["444455556666"]
        if tf.plan_exit_code() != 0:
            drift = tf.plan_changes()
    finally:
        tf.destroy()
    assert tf.state_list() == []
    shares = emulator_client("ram", "us-east-1").get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert all(s["status"] == "DELETED" for s in shares if s["resourceShareArn"] == share_arn)
    assert not drift, f"re-plan after apply is not clean:\n{describe_drift(drift)}"


def test_invalid_input_is_rejected_before_any_call(terraform_config: Callable[..., Terraform]) -> None:
    tf = terraform_config("modules/network/examples/complete")
    with pytest.raises(TerraformError) as err:
        tf.plan_exit_code(var={"name": "Not_Valid"})
    assert "name must be 2-32 characters" in err.value.stderr
