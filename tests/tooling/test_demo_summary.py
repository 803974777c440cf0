"""`make demo`'s per-region summary (mwaa_platform.demo; scripts/demo.py is its thin entry point): a few readable
lines, every output kept in a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from mwaa_platform import demo

REPO = Path(__file__).resolve().parents[2]

ARN = "arn:aws:{}:us-west-2:123456789012:{}"
SECONDARY: dict[str, dict[str, Any]] = {
    "role": {"value": "secondary"},
    "region": {"value": "us-west-2"},
    "vpc_id": {"value": "vpc-0abc"},
    "private_subnet_ids": {"value": ["subnet-1", "subnet-2"]},
    "mwaa_environment_name": {"value": "mwaa-local"},
    "mwaa_webserver_url": {"value": "127.0.0.1:8123"},
    "mwaa_execution_role_arn": {"value": ARN.format("iam", "role/mwaa-local-execution")},
    "mwaa_source_bucket": {"value": "mwaa-local-source"},
    "dr_failover_state_machine_arn": {"value": ARN.format("states", "stateMachine:mwaa-local-failover")},
    "dr_failover_topic_arn": {"value": ARN.format("sns", "mwaa-local-failover")},
    "dr_failover_config": {"value": {"k": "v" * 2000}},  # the kind of value that filled a screen
    "k8s_bootstrap": {
        "value": {
            "cluster_name": "mwaa-local",
            "namespaces": ["airflow"],
            "service_accounts": {"reader": {}, "writer": {}},
        }
    },
    "endpoint_automation_function": {"value": "mwaa-local-endpoints"},
}


def test_the_summary_is_short_readable_and_points_at_the_full_outputs(tmp_path: Path) -> None:
    found = demo.Found(
        subnets=["10.0.0.0/20 us-west-2a", "10.0.16.0/20 us-west-2b"],
        endpoints=["s3", "sqs"],
        environment={
            "Status": "AVAILABLE",
            "AirflowVersion": "2.10.3",
            "EnvironmentClass": "mw1.micro",
            "WebserverUrl": "127.0.0.1:8123",
        },
    )
    path = demo.write_outputs("us-west-2", SECONDARY, tmp_path)
    lines = demo.summarize("us-west-2", SECONDARY, path, found)
    text = "\n".join(lines)

    assert len(lines) <= 12 and max(map(len, lines)) <= 160
    assert "vpc-0abc: 2 subnets" in text and "2 VPC endpoints: s3, sqs" in text
    assert "mwaa-local: AVAILABLE, Airflow 2.10.3, mw1.micro; UI http://127.0.0.1:8123" in text
    assert "failover state machine mwaa-local-failover" in text and "arn:aws" not in text
    assert "cluster mwaa-local" in text and "reader, writer" in text
    assert f"all {len(SECONDARY)} in {path}" in text and "v" * 100 not in text
    assert path == tmp_path / "outputs-us-west-2.json" and json.loads(path.read_text()) == SECONDARY


def test_a_region_without_an_environment_or_dr_says_so(tmp_path: Path) -> None:
    raw = {"role": {"value": "secondary"}, "mwaa_environment_name": {"value": None}}
    text = "\n".join(demo.summarize("us-west-2", raw, None, demo.Found()))
    assert "none in this region" in text and "DR         off" in text


def test_endpoint_service_names_are_shortened() -> None:
    assert demo.service_name("com.amazonaws.us-east-1.ecr.api") == "ecr.api"
    assert demo.service_name("com.amazonaws.vpce.us-east-1.vpce-svc-80ba63e7a5") == "vpce-svc-80ba63e7a5"


def test_full_outputs_print_every_value() -> None:
    text = demo.full_outputs("us-west-2", SECONDARY)
    assert json.loads(text.split("\n", 1)[1]) == {k: v["value"] for k, v in SECONDARY.items()}


@pytest.mark.emulator
def test_look_up_reads_the_vpc_and_reports_a_missing_environment(aws_env: dict[str, str]) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    try:
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        found = demo.look_up("us-east-1", {"vpc_id": vpc, "mwaa_environment_name": "no-such-environment"})
        assert found.subnets == ["10.42.1.0/24 us-east-1a"] and found.endpoints == []
        assert found.environment is None and len(found.errors) == 1 and found.errors[0].startswith("MWAA")
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    finally:
        ec2.delete_vpc(VpcId=vpc)


def test_the_summary_writes_into_the_checkout() -> None:
    """The module moved from scripts/ into the package: its checkout root must still be the repository (a wrong
    root wrote the outputs next to the clone, outside it)."""
    assert (demo.REPO / "scripts" / "tf.sh").is_file() and demo.OUTPUTS_DIR == REPO / ".state" / "demo"
    from mwaa_local import dr_drill
    from mwaa_platform.upgrade import adopt

    assert (dr_drill.REPO / "scripts" / "tf.sh").is_file() and adopt.TF_SH == REPO / "scripts" / "tf.sh"
