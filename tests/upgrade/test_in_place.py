"""``upgrade execute --strategy in-place`` on the local MWAA with real Airflow: 2.11.0 -> 3.2.1 and back.

One environment on 2.11.0 with history (a run with an XCom), an active DAG and a paused one. The upgrade is
killed between two steps (right after UpdateEnvironment); a second operator is refused; ``resume --takeover``
completes without running any step twice (each step one attempt, one UPDATING in the status events); the
history is carried, the active DAG is active again (the paused one stays paused), the canary run succeeded and
the version record says 3.2.1 (the check is skipped with ``skip_check``, and the state says so: the gate is
tested in test_execute_check.py). Then a run of before the upgrade is deleted on 3.2.1 (a lost row), and
``upgrade rollback`` (the CLI) is SIGKILLed while it waits for the downgrade; ``upgrade resume`` finishes it:
2.11.0 again, the lost run back from the restore point (the metadata engine), its DAG active and running.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from mwaa_local_helpers import Infra, statuses, wait_gone, wait_status
from upgrade_helpers import IDLE, WORK, dr_settings, run_and_wait, upload_dags, wait_parsed

from mwaa_platform.failover.airflow import AirflowRest
from mwaa_platform.upgrade import state
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.runbook import Runbook
from mwaa_platform.upgrade.state import RefusedError
from mwaa_platform.versions.record import parameter_name

pytestmark = [pytest.mark.emulator, pytest.mark.airflow, pytest.mark.slow]
class Killed(BaseException):
    """Stands in for SIGKILL between two steps: nothing in the runbook catches a BaseException."""


def cli(*args: str, **popen: Any) -> Any:
    argv = [sys.executable, "-m", "mwaa_platform.cli", "upgrade", *args]
    if popen:
        return subprocess.Popen(argv, env=dict(os.environ), **popen)
    return subprocess.run(argv, env=dict(os.environ), capture_output=True, text=True, timeout=1200, check=False)


def test_in_place_killed_resumed_then_rolled_back(mwaa: Any, infra: Infra, state_table: str,
                                                 status_events: Any, tmp_path: Path) -> None:
    name = f"upg-{uuid.uuid4().hex[:6]}"
    upload_dags(infra.bucket, "upgdags")
    timings: dict[str, float] = {}
    started = time.monotonic()
    mwaa.create_environment(**infra.params(name, AirflowVersion="2.11.0", DagS3Path="upgdags",
                                           AirflowConfigurationOptions=dr_settings(infra.bucket),
                                           Tags={"mwaa-local:runtime": "airflow"}))
    try:
        wait_status(mwaa, name, {"AVAILABLE"}, timeout=600, leaving={"CREATING"})
        timings["create_2_11"] = round(time.monotonic() - started, 1)
        rest = AirflowRest(mwaa, name, 2)
        wait_parsed(rest, [WORK, IDLE, "dr_backup", "dr_restore"])
        rest.set_paused(WORK, False)
        assert run_and_wait(rest, "before-upgrade") == "success"

        config = UpgradeConfig(environment=name, region="us-east-1", state_table=state_table, target="3.2.1",
                               canary_dag_id=WORK, poll_seconds=2, skip_check=True)
        alive = f"runbook:{socket.gethostname()}:{os.getpid()}:1"   # killed, but its holder id looks alive

        def kill_after_update(event: dict[str, Any]) -> None:
            if event.get("event") == "step_finished" and event.get("step") == "update_version":
                raise Killed

        started = time.monotonic()
        with pytest.raises(Killed):
            Runbook(config, kill_after_update, holder=alive).execute()
        st = state.store(boto3.client("dynamodb"), state_table, name)
        op = st.read().doc["operation"]
        assert op["status"] == "in_progress" and op["steps"]["update_version"]["status"] == "done"
        assert op["check"] == {"ran": False, "skipped": True, "reason": "--skip-check (the operator's override)"}
        assert "wait_available" not in op["steps"]
        other = Runbook(config, holder="runbook:other-host:1:1")     # a second operator, the lease is live
        with pytest.raises(RefusedError, match="UPDATING"):
            other.execute()
        with pytest.raises(RefusedError, match="running, held by"):
            other.resume()

        events: list[dict[str, Any]] = []
        result = Runbook(config, events.append).resume(takeover=True)
        timings["upgrade_2_11_to_3_2"] = round(time.monotonic() - started, 1)
        steps = st.read().doc["operation"]["steps"]
        assert {n: r["attempts"] for n, r in steps.items()} == {n: 1 for n in steps}
        assert [e["step"] for e in events if e.get("status") == "skipped"] == [
            "inventory", "pause", "drain", "snapshot", "update_version"]
        assert steps["snapshot"]["result"]["snapshot_id"] and steps["snapshot"]["result"]["rows"]["dag_run"] >= 1
        assert result["steps"]["verify"]["canary"]["state"] == "success"
        env = mwaa.get_environment(Name=name)["Environment"]
        assert env["AirflowVersion"] == "3.2.1"
        rest3 = AirflowRest(mwaa, name, 3)
        assert (rest3.run(WORK, "before-upgrade") or {}).get("state") == "success"   # history carried
        assert sorted(d["dag_id"] for d in rest3.dags(paused=False)) == [WORK]       # exactly what was active
        assert boto3.client("ssm").get_parameter(Name=parameter_name(name))["Parameter"]["Value"] == "3.2.1"
        assert statuses(status_events(1.0), name).count("UPDATING") == 1
        rest3.ok_or_missing("DELETE", f"/dags/{WORK}/dagRuns/before-upgrade")        # a row lost on 3.2.1
        assert rest3.run(WORK, "before-upgrade") is None

        # rollback through the CLI, SIGKILLed while it waits for the downgrade, then resumed
        common = ["--env", name, "--region", "us-east-1", "--state-table", state_table, "--canary-dag", WORK,
                  "--poll-seconds", "2", "--yes", "--json"]
        started = time.monotonic()
        log = tmp_path / "rollback.log"
        with log.open("w") as stderr:
            proc = cli("rollback", *common, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + 300
            def rolling_back_and_waiting() -> bool:
                op = st.read().doc["operation"]
                return op["kind"] == "rollback_in_place" and op["steps"].get("wait_available", {}).get("polls", 0) > 0

            while not rolling_back_and_waiting():
                assert proc.poll() is None, f"rollback ended {proc.returncode}: {log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, "rollback never waited"
                time.sleep(1)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        done = cli("resume", *common)
        timings["rollback_3_2_to_2_11"] = round(time.monotonic() - started, 1)
        assert done.returncode == 0, done.stderr[-3000:]
        doc = st.read().doc
        assert doc["operation"]["kind"] == "rollback_in_place" and doc["operation"]["status"] == "completed"
        steps = doc["operation"]["steps"]
        assert {n: r["attempts"] for n, r in steps.items() if n != "wait_available"} == {
            n: 1 for n in steps if n != "wait_available"}
        env = mwaa.get_environment(Name=name)["Environment"]
        assert env["AirflowVersion"] == "2.11.0" and env["Status"] == "AVAILABLE"
        assert sorted(d["dag_id"] for d in rest.dags(paused=False)) == [WORK]
        verified = json.loads(done.stdout)["steps"]["verify"]
        assert verified["canary"]["state"] == "success" and not verified["lost"]   # a new run on 2.11.0
        assert (rest.run(WORK, "before-upgrade") or {}).get("state") == "success"    # back from the restore point
        point = steps["restore_point"]["result"]
        assert point["restored"] and point["restore_point"] == doc["operation"]["restore_point"]
        assert point["rows_brought_back"]["dag_run"] == 1 and point["rows_brought_back"]["task_instance"] == 1
        print("timings (s):", timings, "steps:", {n: (r.get("started_at"), r.get("finished_at"))
                                                   for n, r in steps.items()})
    finally:
        wait_status(mwaa, name, {"AVAILABLE", "UPDATE_FAILED", "CREATE_FAILED", "UNAVAILABLE"}, timeout=600)
        mwaa.delete_environment(Name=name)
        wait_gone(mwaa, name, timeout=300)
