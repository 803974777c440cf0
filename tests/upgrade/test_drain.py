"""The upgrade's drain step: after the pause, wait until no task of the paused DAGs runs or is queued (a task
running at the cut-over ran twice in blue-green drills). Decisions without Airflow; the in-place and blue-green
tests on real Airflow run it for real."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mwaa_platform.upgrade import runbook, steps
from mwaa_platform.upgrade.config import UpgradeConfig, UpgradeConfigError
from mwaa_platform.upgrade.state import StepFailedError


class _Rest:
    """Each poll answers the next scene: {dag_id: {run_id: [(task_id, state), ...]}}."""

    def __init__(self, scenes: list[dict[str, dict[str, list[tuple[str, str]]]]]) -> None:
        self.scenes = scenes
        self.polls = 0

    def _scene(self) -> dict[str, dict[str, list[tuple[str, str]]]]:
        return self.scenes[min(self.polls, len(self.scenes) - 1)]

    def unfinished_runs(self, dag_id: str) -> list[dict[str, Any]]:
        return [{"dag_run_id": run_id, "state": "running"} for run_id in self._scene().get(dag_id, {})]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return [{"task_id": t, "state": state, "map_index": -1} for t, state in self._scene()[dag_id][run_id]]


def _call(rest: _Rest, timeout: int = 900) -> Any:
    waits: list[str] = []

    def wait(step: str, detail: str) -> None:
        waits.append(detail)
        rest.polls += 1

    config = SimpleNamespace(drain_timeout_seconds=timeout)
    return SimpleNamespace(rest=lambda name: rest, source="env", config=config, wait=wait, waits=waits,
                           results={"pause": {"paused": ["etl", "report"]}})


def test_waits_until_running_and_queued_tasks_end_and_ignores_deferred_ones() -> None:
    rest = _Rest([
        {"etl": {"r1": [("extract", "running"), ("load", "queued"), ("sense", "deferred")]}},
        {"etl": {"r1": [("load", "running"), ("sense", "deferred")]}},
        {"etl": {"r1": [("sense", "deferred"), ("done", "success")]}},
    ])
    call = _call(rest)
    result = steps.drain(call)
    assert result["drained"] is True and result["in_flight_at_cut_over"] == []
    assert len(call.waits) == 2 and "etl.extract" in call.waits[0]


def test_a_task_that_does_not_end_fails_the_step_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.0, 5.0, 11.0, 20.0])
    monkeypatch.setattr(steps.time, "monotonic", lambda: next(clock))
    rest = _Rest([{"report": {"r9": [("render", "running")]}}])
    with pytest.raises(StepFailedError, match=r"report/r9/render\(running\).*upgrade resume"):
        steps.drain(_call(rest, timeout=10))


def test_zero_does_not_wait_and_records_what_was_in_flight() -> None:
    rest = _Rest([{"etl": {"r1": [("extract", "running")]}}])
    call = _call(rest, timeout=0)
    result = steps.drain(call)
    assert result["drained"] is False and call.waits == []
    assert result["in_flight_at_cut_over"] == [{"dag_id": "etl", "run_id": "r1", "task_id": "extract",
                                                "map_index": -1, "state": "running"}]


def test_every_plan_drains_right_after_it_pauses() -> None:
    for kind, plan in runbook.PLANS.items():
        names = [name for name, _, _ in plan]
        assert names[names.index("pause") + 1] == "drain", kind


def test_a_negative_drain_timeout_is_refused() -> None:
    with pytest.raises(UpgradeConfigError, match="drain-timeout"):
        UpgradeConfig(environment="prod", region=None, state_table="t", drain_timeout_seconds=-1)
