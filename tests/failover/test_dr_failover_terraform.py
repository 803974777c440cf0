"""modules/dr-failover applied to the emulator: re-plans clean, deploys exactly the definition the Python builds,
and the Terraform-deployed workflow fails over end to end (MWAA by the fake, see fake_mwaa.py)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from dr_helpers import PRIMARY, SECONDARY, WORKLOAD_DAGS, client, wait_for
from fake_mwaa import FakeMwaa

from mwaa_local.emulator import Emulator
from mwaa_platform.failover import statemachine
from mwaa_platform.failover.config import FailoverConfig
from mwaa_platform.failover.state import StateStore, initial_document
from terraform import tfhelpers

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


def test_apply_replan_and_fail_over(emulator: Emulator, routed: dict[str, str], fake_mwaa: FakeMwaa,
                                    failover_zip: bytes, tmp_path: Path) -> None:
    zip_path = tmp_path / "failover.zip"
    zip_path.write_bytes(failover_zip)
    suffix = uuid.uuid4().hex[:6]
    name, env = f"tfo{suffix}", f"tf{suffix}"
    bucket = f"{name}-backup-replica"
    client("s3", SECONDARY).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SECONDARY})
    workdir = tfhelpers.stage(tfhelpers.REPO, "modules/dr-failover/examples/complete", tmp_path / "stage")
    tf = tfhelpers.Terraform(workdir, env=emulator.env(SECONDARY), timeout=600)
    tf.init()
    variables = {"name": name, "env": env, "config_bucket": bucket, "lambda_zip_path": str(zip_path),
                 "schedule_enabled": False, "deletion_protection": False, "lambda_environment": fake_mwaa.env()}
    try:
        tf.apply(var=variables)
        changes = tf.plan_changes(var=variables)
        assert changes == [], tfhelpers.describe_drift(changes)
        out = tf.output()
        config = FailoverConfig.from_dict(out["failover_config"])
        assert config.secondary_region == SECONDARY and config.state_table == out["state_table_name"]
        sfn = client("stepfunctions", SECONDARY)
        deployed = json.loads(sfn.describe_state_machine(stateMachineArn=out["state_machine_arn"])["definition"])
        assert deployed == statemachine.build(out["function_arns"], config.poll_seconds,
                                              config.restore_timeout_seconds, config.wait_available_timeout_seconds)
        parameter = client("ssm", SECONDARY).get_parameter(Name=f"/mwaa-platform/{env}/failover/config",
                                                           WithDecryption=True)
        assert parameter["Parameter"]["Type"] == "SecureString"
        assert FailoverConfig.from_json(parameter["Parameter"]["Value"]) == config
        # the deployed workflow, end to end: a primary without heartbeats, a paused warm standby
        fake_mwaa.add(PRIMARY, config.primary_environment, dags=WORKLOAD_DAGS)
        fake_mwaa.add(SECONDARY, config.secondary_environment, dags={d: True for d in WORKLOAD_DAGS})
        execution = sfn.start_execution(stateMachineArn=out["state_machine_arn"], name=f"drill-{suffix}",
                                        input=json.dumps({"operation": "failover"}))["executionArn"]
        desc = wait_for(lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
                        timeout=240, every=1.0, what="the failover execution")
        assert desc["status"] == "SUCCEEDED", desc
        store = StateStore(client("dynamodb", SECONDARY), config.state_table, env,
                           initial_document(env, PRIMARY, config.primary_environment))
        assert store.read().doc["active_region"] == SECONDARY
    finally:
        tf.destroy(var=variables)
    assert tf.state_list() == []
