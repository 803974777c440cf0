"""``upgrade execute --strategy blue-green`` and its rollback on the local MWAA with real Airflow: 2.10.3 -> 3.2.1.

One environment on 2.10.3 with history (runs with XComs), an active DAG and a paused one, a full snapshot taken
before the upgrade. ``execute`` runs ``upgrade check`` on the environment's own files first (recorded), creates
``<env>-3-2`` from the environment's configuration, fences the old one, takes the final snapshot (a delta on that
full), restores the chain into 3.2.1 across versions, and unpauses exactly what was active: every dag_run,
task_instance and xcom of before is there by natural key, and a new run succeeds in the new environment.
``rollback`` then fences the new environment and unfences the old one, which runs its DAG again.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3
import pytest
from mwaa_local_helpers import Infra, wait_gone, wait_status
from upgrade_helpers import IDLE, WORK, active, dr_settings, history, run_and_wait, upload_dags, wait_parsed

from mwaa_platform.failover.airflow import AirflowRest
from mwaa_platform.upgrade import state
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.runbook import Runbook
from mwaa_platform.versions.record import parameter_name

pytestmark = [pytest.mark.emulator, pytest.mark.airflow, pytest.mark.slow]


def _backup_now(rest: AirflowRest, run_id: str) -> None:
    """A full snapshot before the upgrade (the DR schedule's job; here one manual run of the paused DAG).

    Unpausing also lets the scheduler create the DAG's own ``@once`` run (max_active_runs=1 queues it behind the
    manual one): it must end before the DAG is paused again, or it takes its snapshot after the test's next run
    and the final delta has nothing left to carry (seen at load 7: ``rows["dag_run"] == 0``)."""
    rest.set_paused("dr_backup", False)
    try:
        assert run_and_wait(rest, run_id, "dr_backup", timeout=600) == "success"
        deadline = time.monotonic() + 600
        while rest.unfinished_runs("dr_backup"):
            assert time.monotonic() < deadline, "a dr_backup run still unfinished after 600 s"
            time.sleep(2)
    finally:
        rest.set_paused("dr_backup", True)


def test_blue_green_execute_then_rollback(mwaa: Any, infra: Infra, state_table: str) -> None:
    name = f"bg-{uuid.uuid4().hex[:6]}"
    new = f"{name}-3-2"
    prefix = f"bgdags-{name}"
    upload_dags(infra.bucket, prefix)
    options = {**dr_settings(infra.bucket, full_every_hours="24"),
               "mwaa_platform.dr_backup_url": f"s3://{infra.bucket}/dr/{name}"}
    timings: dict[str, float] = {}
    started = time.monotonic()
    mwaa.create_environment(**infra.params(name, AirflowVersion="2.10.3", DagS3Path=prefix,
                                           AirflowConfigurationOptions=options,
                                           Tags={"mwaa-local:runtime": "airflow"}))
    try:
        wait_status(mwaa, name, {"AVAILABLE"}, timeout=600, leaving={"CREATING"})
        old = AirflowRest(mwaa, name, 2)
        wait_parsed(old, [WORK, IDLE, "dr_backup", "dr_restore"])
        old.set_paused(WORK, False)
        assert run_and_wait(old, "before-full") == "success"
        _backup_now(old, "full-before-upgrade")
        assert run_and_wait(old, "after-full") == "success"        # only in the final delta
        before = history(old, [WORK, IDLE])
        assert len(before["dag_run"]) == 2 and len(before["task_instance"]) == 2
        assert active(old) == [WORK]
        timings["setup_2_10"] = round(time.monotonic() - started, 1)

        config = UpgradeConfig(environment=name, region="us-east-1", state_table=state_table, target="3.2.1",
                               strategy="blue_green", canary_dag_id=WORK, poll_seconds=2)
        started = time.monotonic()
        events: list[dict[str, Any]] = []
        result = Runbook(config, events.append).execute()
        timings["execute"] = round(time.monotonic() - started, 1)

        # the check ran first and is recorded (state and result)
        assert [e["step"] for e in events if e.get("event") == "step_started"][:2] == ["preflight", "check"]
        st = state.store(boto3.client("dynamodb"), state_table, name)
        op = st.read().doc["operation"]
        assert op["check"]["ran"] is True and op["check"]["blocked"] is False and result["check"] == op["check"]
        assert result["active_environment"] == new and st.read().doc["active_environment"] == new

        # the new environment: created from the old one's configuration, on 3.2.1
        source, target = (mwaa.get_environment(Name=n)["Environment"] for n in (name, new))
        assert (target["AirflowVersion"], target["Status"]) == ("3.2.1", "AVAILABLE")
        for key in ("DagS3Path", "SourceBucketArn", "ExecutionRoleArn", "NetworkConfiguration",
                    "AirflowConfigurationOptions", "EnvironmentClass"):
            assert target.get(key) == source.get(key), key
        assert source["AirflowVersion"] == "2.10.3"

        # the final snapshot is a delta on the full taken before; the chain restored across versions
        steps = result["steps"]
        assert steps["snapshot"]["kind"] == "delta" and steps["snapshot"]["rows"]["dag_run"] >= 1
        assert steps["restore"]["state"] == "success"
        assert steps["verify"]["canary"]["state"] == "success" and not steps["verify"]["lost"]

        # fenced old, exactly the active DAG active in the new one, every history row carried by natural key
        fresh = AirflowRest(mwaa, new, 3)
        assert active(old) == []
        assert active(fresh) == [WORK]
        after = history(fresh, [WORK, IDLE])
        for table in ("dag_run", "task_instance"):
            assert {k: v for k, v in after[table].items() if k in before[table]} == before[table], table
        assert len(before["xcom"]) == 2 and {k[1] for k in before["xcom"]} == {"before-full", "after-full"}
        assert {k: v for k, v in after["xcom"].items() if k in before["xcom"]} == before["xcom"]
        assert set(after["dag_run"]) - set(before["dag_run"]) == {(WORK, steps["verify"]["canary"]["run_id"])}
        assert run_and_wait(fresh, "after-upgrade") == "success"
        assert boto3.client("ssm").get_parameter(Name=parameter_name(new))["Parameter"]["Value"] == "3.2.1"

        # rollback: the new one fenced, the old one unfenced and running its DAG again
        started = time.monotonic()
        back = Runbook(config).rollback()
        timings["rollback"] = round(time.monotonic() - started, 1)
        doc = st.read().doc
        assert (doc["operation"]["kind"], doc["operation"]["status"]) == ("rollback_blue_green", "completed")
        assert back["active_environment"] == name and doc["active_environment"] == name
        assert active(fresh) == []
        assert active(old) == [WORK]
        assert run_and_wait(old, "after-rollback") == "success"
        print("timings (s):", timings)
    finally:
        for env in (new, name):
            if env not in mwaa.list_environments()["Environments"]:
                continue   # never created
            wait_status(mwaa, env, {"AVAILABLE", "UPDATE_FAILED", "CREATE_FAILED", "UNAVAILABLE"}, timeout=600)
            mwaa.delete_environment(Name=env)
        for env in (new, name):
            wait_gone(mwaa, env, timeout=300)
