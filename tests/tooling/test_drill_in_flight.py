"""The DR drill's in-flight section: how each task that was in flight at the kill is judged and reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mwaa_local.dr_drill_inflight import DAG_SOURCE, TASKS, _fate, _where
from mwaa_local.dr_drill_report import render_in_flight, render_text

KILLED = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)


def _after(state: str, seconds: float) -> dict[str, object]:
    return {"state": state, "hostname": "mwaa-local-worker-1", "try_number": 2,
            "start_date": (KILLED + timedelta(seconds=seconds)).isoformat()}


def test_a_task_the_snapshot_carried_and_the_secondary_ran_again_is_rerun() -> None:
    assert _fate({"state": "running"}, _after("success", 90), KILLED, "rerun") == \
        "rerun by the secondary (in_flight=rerun): success"


def test_a_task_whose_run_is_not_in_the_secondary_is_lost_with_the_region() -> None:
    assert _fate({"state": "queued"}, None, KILLED, "rerun").startswith("lost with the region")


def test_a_success_that_started_before_the_kill_is_not_called_a_rerun() -> None:
    assert _fate({"state": "running"}, _after("success", -30), KILLED, "keep") == "in the secondary: success " \
        "(in_flight=keep)"
    assert _fate({"state": "running"}, _after("failed", 10), KILLED, "fail") == "failed by the restore (in_flight=fail)"
    assert _fate({"state": "success"}, _after("success", -30), KILLED, "rerun") == "not in flight (success)"


def test_a_queued_task_waits_in_sqs_only_on_celery() -> None:
    assert _where({"state": "queued"}, {"queue": "airflow-celery-abc", "waiting": 1}) == "queued in SQS"
    assert _where({"state": "queued"}, None) == "queued (LocalExecutor)"
    assert _where({"state": "running", "hostname": "h-worker-1"}) == "running on h-worker-1"


def test_the_report_lists_every_task_and_the_dead_region_queue() -> None:
    section = {
        "policy": "rerun", "killed": ["scheduler", "worker-1"],
        "queue_at_kill": {"queue": "airflow-celery-abc", "waiting": 3, "taken_by_workers": 5},
        "queue_after": {"queue": "airflow-celery-abc", "waiting": 3, "taken_by_workers": 5},
        "restore_in_flight_changed": 4, "rerun": 1, "lost": 1,
        "tasks": [
            {"run": "early", "task": "hold_0", "at_kill": "running on mwaa-local-worker-1",
             "secondary": {**_after("success", 80), "region": "us-west-2"},
             "fate": "rerun by the secondary (in_flight=rerun): success"},
            {"run": "late", "task": "hold_3", "at_kill": "queued in SQS", "secondary": None,
             "fate": "lost with the region: its run is newer than the last snapshot"},
        ],
    }
    text = "\n".join(render_in_flight(section))
    assert "at the kill 3 waiting, 5 taken by workers" in text
    assert "early hold_0" in text and "-> rerun by the secondary" in text
    assert "(mwaa-local-worker-1 in us-west-2, try 2)" in text
    assert "late  hold_3" in text and "-> lost with the region" in text
    assert "rerun by the secondary: 1, lost with the region: 1" in text
    assert render_in_flight(None) == []
    local = "\n".join(render_in_flight({**section, "queue_at_kill": None}))
    assert "no Celery queue: the environment runs LocalExecutor" in local
    unread = "\n".join(render_in_flight({**section, "queue_at_kill": {"error": "EndpointConnectionError: x"}}))
    assert "the Celery queue could not be read: EndpointConnectionError" in unread
    assert "in flight at the kill" in render_text({"result": "x", "in_flight": section})


def test_the_in_flight_dag_compiles_and_holds_only_in_the_named_region() -> None:
    code = compile(DAG_SOURCE, "drill_inflight.py", "exec")
    assert code.co_filename == "drill_inflight.py"
    assert f"range({TASKS})" in DAG_SOURCE and 'region == conf.get("hold_in")' in DAG_SOURCE
