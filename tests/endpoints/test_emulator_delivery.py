"""The real path on the embedded default: EventBridge -> our Lambda (run for real by the emulator) -> endpoints.

1. boto3 only: a function from the built zip, a rule with the module's pattern, PutEvents of PENDING/DELETED.
2. Terraform: modules/endpoint-automation/examples/single-account applied into the emulator, re-planned
   without drift, driven by PutEvents, destroyed.
Both need the emulator fixes that run Lambda handlers and deliver EventBridge events to Lambda.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from endpoint_helpers import ACCOUNT, REGION, Network, endpoints_for, make_event, service_name, tfhelpers

from mwaa_local.aws_emulator import fixes
from mwaa_local.emulator import Emulator
from mwaa_platform import packaging

pytestmark = [
    pytest.mark.emulator,
    pytest.mark.skipif(
        not {"lambda_runs_handlers", "events_deliver_to_lambda_and_sfn"} <= set(fixes.FIXES),
        reason="the emulator does not run Lambda handlers / deliver EventBridge events to Lambda yet",
    ),
]

REPO = Path(__file__).resolve().parents[2]
PATTERN = {"source": ["aws.airflow"], "detail-type": ["MWAA Environment Status Change"],
           "detail": {"status": ["PENDING", "DELETED"]}}


@pytest.fixture(scope="module")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lambda") / "endpoints.zip"
    packaging.build(out, ["endpoints"])
    return out


def put(event: dict[str, Any]) -> None:
    entry: Any = {"Source": event["source"], "DetailType": event["detail-type"], "Detail": json.dumps(event["detail"]),
             "Resources": event["resources"]}
    result = boto3.client("events", region_name=REGION).put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0, result


def drifted_keys(change: dict[str, Any]) -> set[str]:
    before = change["change"].get("before") or {}
    after = change["change"].get("after") or {}
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


def wait_for(condition: Callable[[], bool], timeout: float = 90.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1.0)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_eventbridge_delivers_to_the_handler_function(lambda_zip: Path, network: Network, ec2: Any) -> None:
    suffix = secrets.token_hex(3)
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"endpoints-{suffix}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = boto3.client("lambda", region_name=REGION)
    fn = lam.create_function(FunctionName=f"endpoints-{suffix}", Runtime="python3.11", Role=role,
                             Handler="mwaa_platform.endpoints.handler.handler", Timeout=60,
                             Code={"ZipFile": lambda_zip.read_bytes()},
                             Environment={"Variables": {"ALLOWED_ACCOUNT_IDS": ACCOUNT,
                                                        "ALLOWED_VPC_IDS": network.vpc_id}})["FunctionArn"]
    events = boto3.client("events", region_name=REGION)
    rule = events.put_rule(Name=f"endpoints-{suffix}", EventPattern=json.dumps(PATTERN))["RuleArn"]
    lam.add_permission(FunctionName=fn, StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule)
    events.put_targets(Rule=f"endpoints-{suffix}", Targets=[{"Id": "handler", "Arn": fn}])
    try:
        database, webserver = service_name(), service_name()
        put(make_event(f"eb-{suffix}", network, database=database, webserver=webserver,
                       access_mode="PRIVATE_ONLY"))
        wait_for(lambda: len(endpoints_for(ec2, network.vpc_id, webserver)) == 1, what="the webserver endpoint")
        assert len(endpoints_for(ec2, network.vpc_id, database)) == 1

        put(make_event(f"eb-{suffix}", None, status="DELETED"))
        wait_for(lambda: not endpoints_for(ec2, network.vpc_id, database)
                 and not endpoints_for(ec2, network.vpc_id, webserver), what="the endpoints to be deleted")
    finally:
        events.remove_targets(Rule=f"endpoints-{suffix}", Ids=["handler"])
        events.delete_rule(Name=f"endpoints-{suffix}")
        lam.delete_function(FunctionName=fn)


@pytest.mark.terraform
@pytest.mark.slow
def test_module_applies_replans_clean_and_handles_events(lambda_zip: Path, network: Network, ec2: Any,
                                                         emulator: Emulator, tmp_path: Path) -> None:
    workdir = tfhelpers().stage(REPO, "modules/endpoint-automation/examples/single-account", tmp_path)
    tf = tfhelpers().Terraform(workdir, env=emulator.env(REGION), timeout=420)
    variables = {"lambda_zip_path": str(lambda_zip), "allowed_vpc_ids": [network.vpc_id]}
    tf.init()
    try:
        tf.apply(var=variables)
        function = tf.output()["function_name"]
        config = boto3.client("lambda", region_name=REGION).get_function(FunctionName=function)["Configuration"]
        assert config["Handler"] == "mwaa_platform.endpoints.handler.handler"
        assert config["DeadLetterConfig"]["TargetArn"].startswith("arn:aws:sqs:")
        changes = tf.plan_changes(var=variables)
        assert changes == [], tfhelpers().describe_drift(changes)

        database = service_name()
        name = f"tf-{secrets.token_hex(3)}"
        put(make_event(name, network, database=database))
        wait_for(lambda: len(endpoints_for(ec2, network.vpc_id, database)) == 1, what="the database endpoint")
        put(make_event(name, None, status="DELETED"))
        wait_for(lambda: not endpoints_for(ec2, network.vpc_id, database), what="the endpoint to be deleted")
    finally:
        tf.destroy(var=variables)
    assert tf.state_list() == []
