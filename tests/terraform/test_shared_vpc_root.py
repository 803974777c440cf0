"""End to end, the shared-VPC variant in two emulator accounts through scripts/tf.sh (S3 backend in the emulator,
workspace per region): the owner stack (terraform/shared-network, the emulator's default account) shares its
private subnets and runs the endpoint automation; the participant platform stack (ENV=local-participant, a second
account reached with the provider's assume_role) puts no VPC of its own and forwards its MWAA status events.
A PENDING event in the participant account reaches the owner's Lambda, which creates the environment's endpoints
in the owner's VPC; both stacks re-plan clean and destroy leaves nothing behind.

The participant applies with mwaa.enabled = false (the forwarder is the account's and stays) to keep this stack test
fast; the PENDING event is the local MWAA's own status event (mwaa_local.mwaa.events.entry) put in the
participant account. That the local MWAA frees a participant environment once the VPC owner's endpoints exist is
tests/local_mwaa/test_mwaa_local_api.py::test_shared_vpc_environment_waits_for_the_owners_endpoints.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from tfhelpers import PARTICIPANT, owner_session, participant_session, wait_for

from mwaa_local.emulator import ACCOUNT_ID, Emulator
from mwaa_local.mwaa import events as mwaa_events
from mwaa_platform.packaging import build

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ENV_NAME = "mwaa-participant"

pytestmark = [pytest.mark.terraform, pytest.mark.emulator, pytest.mark.slow]


def _tf(action: str, stack: str, env_name: str, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts" / "tf.sh"), action, stack, env_name, REGION, "-no-color", *extra],
                          env=env, capture_output=True, text=True, timeout=600, check=False)


def _env(emulator: Emulator, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith(("aws_", "tf_", "http_", "https_", "no_"))}
    env.update(emulator.env(REGION))
    env["MWAA_PLATFORM_STATE"] = str(state)
    env["TF_CLI_CONFIG_FILE"] = str(REPO / ".state" / "terraform.rc")
    return env


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"{time.strftime('%H:%M:%S')} ok: {' '.join(result.args[1:5])}")


def _service(kind: str) -> str:
    return f"com.amazonaws.vpce.{REGION}.vpce-svc-{hashlib.sha256(kind.encode()).hexdigest()[:17]}"


def _status_event(status: str, previous: str | None, subnet_ids: list[str], group_id: str) -> dict[str, Any]:
    """The local MWAA's status event for a PRIVATE_ONLY, CUSTOMER environment of the participant account."""
    record = {
        "Name": ENV_NAME, "Arn": f"arn:aws:airflow:{REGION}:{PARTICIPANT}:environment/{ENV_NAME}", "Status": status,
        "EnvironmentClass": "mw1.micro", "AirflowVersion": "2.10.3", "EndpointManagement": "CUSTOMER",
        "WebserverAccessMode": "PRIVATE_ONLY",
        "CeleryExecutorQueue": f"arn:aws:sqs:{REGION}:{PARTICIPANT}:airflow-celery-{ENV_NAME}",
        "NetworkConfiguration": {"SubnetIds": subnet_ids, "SecurityGroupIds": [group_id]},
        "DatabaseVpcEndpointService": _service("database"), "WebserverVpcEndpointService": _service("webserver"),
    }
    return mwaa_events.entry(record, previous)


def _endpoints(ec2: Any, vpc_id: str, service: str) -> list[dict[str, Any]]:
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": [service]},
                                                {"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    return [e for e in found if e["State"].lower() not in ("deleted", "deleting")]


def _no_endpoints(ec2: Any, vpc_id: str, service: str) -> bool:
    return not _endpoints(ec2, vpc_id, service)


def test_shared_vpc_owner_and_participant(emulator: Emulator, tmp_path: Path) -> None:
    zips = tmp_path / "lambda"
    build(zips / "endpoints.zip", ["endpoints"])
    env = _env(emulator, tmp_path / "state")
    owner_vars = ("-var", f"lambda_zip_dir={zips}")
    owner, participant = owner_session(emulator, REGION), participant_session(emulator, REGION)
    owner_ec2: Any = owner.client("ec2", endpoint_url=emulator.endpoint)
    part_events: Any = participant.client("events", endpoint_url=emulator.endpoint)
    applied: list[tuple[str, str, tuple[str, ...]]] = []
    try:
        # -- owner (network account) ---------------------------------------------------------------------------
        applied.append(("shared-network", "local", owner_vars))  # before apply: a partial apply is destroyed too
        _ok(_tf("apply", "shared-network", "local", env, *owner_vars))
        out = json.loads(_tf("output", "shared-network", "local", env, "-json").stdout)
        shared = out["participant"]["value"]
        vpc_id = shared["vpc_id"]
        assert shared["owner_account_id"] == ACCOUNT_ID
        assert shared["event_bus_arn"].startswith(f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/")
        # the participant sees the shared subnets (owned by the owner), through RAM
        part_ec2 = participant.client("ec2", endpoint_url=emulator.endpoint)
        seen = part_ec2.describe_subnets(SubnetIds=shared["subnet_ids"])["Subnets"]
        assert {s["OwnerId"] for s in seen} == {ACCOUNT_ID} and {s["VpcId"] for s in seen} == {vpc_id}

        # -- participant (workload account, via the provider's assume_role) -------------------------------------
        part_vars = ("-var", f"lambda_zip_dir={zips}", "-var", "shared_vpcs=" + json.dumps(
            {REGION: {k: shared[k] for k in ("vpc_id", "subnet_ids", "event_bus_arn")}}),
                     "-var", 'mwaa={"enabled": false, "endpoint_management": "CUSTOMER"}')
        applied.append(("platform", "local-participant", part_vars))
        _ok(_tf("apply", "platform", "local-participant", env, *part_vars))
        part_out = json.loads(_tf("output", "platform", "local-participant", env, "-json").stdout)
        assert part_out["vpc_id"]["value"] == vpc_id
        assert "mwaa_environment_name" not in part_out  # null outputs are left out: no environment here
        forward_rule = part_out["shared_vpc_forwarder"]["value"]["rule_arn"]
        assert forward_rule.startswith(f"arn:aws:events:{REGION}:{PARTICIPANT}:rule/")
        # nothing of the participant stack landed in the owner account: no VPC, no forwarder rule there
        owner_rules = owner.client("events", endpoint_url=emulator.endpoint).list_rules()["Rules"]
        assert forward_rule.rsplit("/", 1)[1] not in {r["Name"] for r in owner_rules}
        assert [v["VpcId"] for v in owner_ec2.describe_vpcs(
            Filters=[{"Name": "tag:mwaa-platform:environment", "Values": ["participant"]}])["Vpcs"]] == []

        # -- PENDING in the participant -> forwarder -> owner's bus -> owner's Lambda -> endpoints in owner's VPC --
        group = part_ec2.create_security_group(GroupName=f"{ENV_NAME}-sg", Description="MWAA", VpcId=vpc_id)["GroupId"]
        subnet_ids = shared["subnet_ids"]
        for _ in range(3):  # redelivered events must not create more endpoints
            answer = part_events.put_events(Entries=[_status_event("PENDING", "CREATING", subnet_ids, group)])
            assert answer["FailedEntryCount"] == 0
        for kind in ("database", "webserver"):
            wait_for(partial(_endpoints, owner_ec2, vpc_id, _service(kind)), 90, f"the {kind} endpoint")
        time.sleep(3)  # let the duplicate deliveries finish
        for kind in ("database", "webserver"):
            found = _endpoints(owner_ec2, vpc_id, _service(kind))
            assert len(found) == 1, (kind, found)
            tags = {t["Key"]: t["Value"] for t in found[0].get("Tags", [])}
            assert tags.get("mwaa-platform:environment") == ENV_NAME, tags
            assert tags.get("mwaa-platform:account") == PARTICIPANT, tags
            assert found[0]["OwnerId"] == ACCOUNT_ID
            # the owner's interfaces carry the owner's group, never the participant environment's
            assert [g["GroupId"] for g in found[0]["Groups"]] == [out["mwaa_endpoint_security_group_id"]["value"]]
        # the endpoints are the owner's: the participant's own EC2 holds none in the shared VPC
        assert part_ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"] == []

        # -- re-plan both: clean --------------------------------------------------------------------------------
        for stack, env_name, extra in applied:
            result = _tf("plan", stack, env_name, env, "-detailed-exitcode", *extra)
            assert result.returncode == 0, f"drift in {stack}:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"

        # -- DELETED: the owner's Lambda removes what it created ------------------------------------------------
        part_events.put_events(Entries=[_status_event("DELETED", "DELETING", subnet_ids, group)])
        for kind in ("database", "webserver"):
            wait_for(partial(_no_endpoints, owner_ec2, vpc_id, _service(kind)), 90, f"{kind} endpoint removal")
        part_ec2.delete_security_group(GroupId=group)
    finally:
        for stack, env_name, extra in reversed(applied):
            _ok(_tf("destroy", stack, env_name, env, *extra))

    # -- nothing left in either account -----------------------------------------------------------------------------
    owner_vpcs = owner_ec2.describe_vpcs(Filters=[{"Name": "tag:mwaa-platform:component",
                                                   "Values": ["shared-network"]}])["Vpcs"]
    assert owner_vpcs == []
    functions = owner.client("lambda", endpoint_url=emulator.endpoint).list_functions()["Functions"]
    assert [f["FunctionName"] for f in functions if f["FunctionName"].startswith("mwaa-local-network")] == []
    shares = owner.client("ram", endpoint_url=emulator.endpoint).get_resource_shares(
        resourceOwner="SELF")["resourceShares"]
    # this stack's share only: other tests of the same session may hold shares of their own in this account
    assert [s["name"] for s in shares if s["status"] != "DELETED" and s["name"].startswith("mwaa-local-network")] == []
    assert [r["Name"] for r in part_events.list_rules()["Rules"] if "mwaa-participant" in r["Name"]] == []
    part_sqs = participant.client("sqs", endpoint_url=emulator.endpoint)
    assert part_sqs.list_queues(QueueNamePrefix="mwaa-participant").get("QueueUrls", []) == []
    roles = participant.client("iam", endpoint_url=emulator.endpoint).list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith("mwaa-participant")] == []
