"""The runbook: killed between steps or mid-step, resume completes without running a step twice; refusals exit
non-zero with a clear message; failback returns to the primary. Same runner and steps as the Lambdas."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dr_helpers import PRIMARY, SECONDARY, Platform, wait_for
from fake_mwaa import FakeMwaa

from mwaa_platform.failover.errors import RefusedError
from mwaa_platform.failover.runbook import Runbook, holder_is_dead_local_runbook
from mwaa_platform.failover.runner import Runner


class Killed(BaseException):
    """Stands in for SIGKILL inside the process: nothing in the runner catches a BaseException."""


def _dead_runbook_id() -> str:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True, timeout=30)
    import socket

    return f"runbook:{socket.gethostname()}:{int(proc.stdout)}:1"


def _cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mwaa_platform.cli", "failover", *args], env=env, text=True,
                          capture_output=True, timeout=timeout, check=False)


@pytest.fixture
def clean_fake(fake_mwaa: FakeMwaa) -> Iterator[FakeMwaa]:
    yield fake_mwaa
    fake_mwaa.create_error = None
    fake_mwaa.create_delay = 0.5


def test_killed_between_steps_then_resume_runs_no_step_twice(platform: Callable[..., Platform]) -> None:
    p = platform()
    crashed_as = _dead_runbook_id()

    def kill_after_restore(event: dict[str, Any]) -> None:
        if event.get("event") == "step_finished" and event.get("step") == "start_restore":
            raise Killed

    with pytest.raises(Killed):
        Runbook(p.context(crashed_as), kill_after_restore).execute(force=True)
    op = p.state()["operation"]
    assert op["status"] == "in_progress" and op["holder"] == crashed_as
    assert op["steps"]["start_restore"]["status"] == "done" and "unpause" not in op["steps"]
    assert holder_is_dead_local_runbook(crashed_as)
    # a scheduled execution does not take over a stalled operation whose lease is still live
    assert Runner(p.context("scheduled")).run("acquire_lease").result["acquired"] is False

    events: list[dict[str, Any]] = []
    result = Runbook(p.context("runbook-resume"), events.append).resume()
    steps = p.state()["operation"]["steps"]
    assert p.state()["active_region"] == SECONDARY
    attempts = {name: s["attempts"] for name, s in steps.items()}
    assert attempts.pop("acquire_lease") == 2  # the resume took the lease over: that is the one repeat
    assert attempts == {name: 1 for name in attempts}
    skipped = [e["step"] for e in events if e.get("event") == "step_finished" and e.get("status") == "skipped"]
    assert skipped == ["fence_primary", "create_environment", "wait_available", "start_restore"]
    assert result["steps"]["unpause"]["unpaused"] == ["data_pipeline", "dr_backup", "reporting"]
    secondary = p.fake.get(SECONDARY, p.config.secondary_environment)
    assert len([t for t in secondary.triggered if t[0] == "dr_restore"]) == 1
    primary = p.fake.get(PRIMARY, p.config.primary_environment)
    assert sorted(d for d, _ in primary.pause_calls) == ["data_pipeline", "dr_backup", "reporting"]


def test_cli_sigkilled_mid_step_then_resume(platform: Callable[..., Platform], routed: dict[str, str],
                                            clean_fake: FakeMwaa, tmp_path: Path) -> None:
    p = platform(dr_mode="backup_restore")
    assert Runner(p.context("scheduled-healthy")).run("store_config").result["stored"]
    clean_fake.create_delay = 60.0  # the new environment stays CREATING: the runbook polls
    config_file = tmp_path / "failover.json"
    config_file.write_text(json.dumps(p.config.to_dict()))
    env = {**os.environ, **routed}
    args = ["--env", p.config.env, "--config", str(config_file), "--yes", "--json"]
    proc = subprocess.Popen([sys.executable, "-m", "mwaa_platform.cli", "failover", "execute", *args, "--force"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (p.state().get("operation") or {}).get("steps", {}).get("wait_available", {}).get(
            "polls", 0) >= 2, timeout=120, what="the runbook polling wait_available")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    created = clean_fake.get(SECONDARY, p.config.secondary_environment)
    assert created is not None
    created.status = "AVAILABLE"
    done = _cli(env, "resume", *args)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["steps"]["release"]["active_region"] == SECONDARY
    steps = p.state()["operation"]["steps"]
    assert clean_fake.count("CreateEnvironment", SECONDARY, p.config.secondary_environment) == 1
    attempts = {n: s["attempts"] for n, s in steps.items() if n not in ("wait_available", "acquire_lease")}
    assert attempts == {n: 1 for n in attempts} and steps["acquire_lease"]["attempts"] == 2
    assert steps["wait_available"]["status"] == "done"  # the interrupted poll continued under the new holder


def test_cli_refuses_a_healthy_primary(platform: Callable[..., Platform], routed: dict[str, str],
                                       tmp_path: Path) -> None:
    p = platform()
    p.heartbeats()
    config_file = tmp_path / "failover.json"
    config_file.write_text(json.dumps(p.config.to_dict()))
    env = {**os.environ, **routed}
    refused = _cli(env, "execute", "--env", p.config.env, "--config", str(config_file), "--yes")
    assert refused.returncode == 3
    assert "refused: the primary is healthy" in refused.stderr and "--force" in refused.stderr
    assert p.state().get("operation") is None
    wrong_env = _cli(env, "status", "--env", "other", "--config", str(config_file))
    assert wrong_env.returncode == 1 and "not 'other'" in wrong_env.stderr
    status = _cli(env, "status", "--env", p.config.env, "--config", str(config_file), "--json")
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    assert doc["active_region"] == PRIMARY and doc["health"]["decision"] == "healthy"
    plan = _cli(env, "plan", "--env", p.config.env, "--config", str(config_file), "--json")
    assert json.loads(plan.stdout)["restore"] == {"strategy": "replace", "in_flight": "rerun"}
    assert [row["step"] for row in json.loads(plan.stdout)["steps"]] == [
        "acquire_lease", "fence_primary", "create_environment", "wait_available", "start_restore", "unpause",
        "verify", "notify", "release"]
    dry = _cli(env, "execute", "--env", p.config.env, "--config", str(config_file), "--dry-run", "--force")
    assert dry.returncode == 0 and p.state().get("operation") is None


@pytest.mark.parametrize("version", ["2.11.0", "3.2.1"])
def test_the_verification_run_has_a_logical_date(platform: Callable[..., Platform], version: str) -> None:
    """Airflow 3 starts an API-triggered run without a logical date unless given one, and a DAG written for 2.x
    (context["ts"]) fails on such a run: the failover's verification run carries one, as a scheduled run does."""
    p = platform()
    p.fake.get(SECONDARY, p.config.secondary_environment).airflow_version = version
    Runbook(p.context("runbook-verify")).execute(force=True)
    secondary = p.fake.get(SECONDARY, p.config.secondary_environment)
    verify = [run for (dag, _), run in secondary.runs.items() if dag == p.config.verify_dag_id]
    assert len(verify) == 1 and verify[0].state == "success"
    if version.startswith("3."):
        assert verify[0].logical_date and verify[0].logical_date.endswith("+00:00")
    else:  # Airflow 2's API takes no logical_date field: the run gets its execution date from Airflow itself
        assert verify[0].logical_date is None


def test_failback_returns_to_the_primary(platform: Callable[..., Platform]) -> None:
    p = platform()
    book = Runbook(p.context("runbook-failover"))
    with pytest.raises(RefusedError, match=r"secondary .* to be active"):
        book.execute("failback")
    book.execute(force=True)
    assert p.state()["active_region"] == SECONDARY
    with pytest.raises(RefusedError, match="already failed over"):
        Runbook(p.context("runbook-again")).execute(force=True)
    Runbook(p.context("runbook-failback")).execute("failback")
    doc = p.state()
    assert doc["active_region"] == PRIMARY and doc["operation"]["kind"] == "failback"
    secondary = p.fake.get(SECONDARY, p.config.secondary_environment)
    primary = p.fake.get(PRIMARY, p.config.primary_environment)
    assert secondary.dags["data_pipeline"] is True and secondary.dags["dr_backup"] is True  # fenced, backup paused
    assert primary.dags["data_pipeline"] is False and primary.dags["reporting"] is False
    assert any(t[0] == "dr_backup" for t in secondary.triggered)
    restore_runs = [t for t in primary.triggered if t[0] == "dr_restore"]
    assert len(restore_runs) == 1
    assert primary.runs[restore_runs[0]].conf["backup_url"] == p.config.failback_backup_url
    assert primary.runs[restore_runs[0]].conf["in_flight"] == p.config.restore_in_flight
