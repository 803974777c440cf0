"""The in-place rollback's restore point step, its decisions without Airflow (the restore itself is exercised on
real Airflow in test_in_place.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mwaa_platform.upgrade import restore_point as rp
from mwaa_platform.upgrade.state import StepFailedError


class _Rest:
    def __init__(self, counts: list[dict[str, int]]) -> None:
        self.counts = counts
        self.paused: list[str] = []

    def dags(self, paused: bool | None = None) -> list[dict[str, Any]]:
        return [{"dag_id": "work"}, {"dag_id": "dr_restore"}]

    def set_paused(self, dag_id: str, paused: bool) -> bool:
        self.paused.append(dag_id)
        return True


def _call(op: dict[str, Any], rest: Any = None) -> Any:
    def no_rest(name: str) -> Any:
        if rest is None:
            raise AssertionError("the step must not talk to the environment")
        return rest

    return SimpleNamespace(op=op, target_env="env", rest=no_rest, dr_dags=("dr_backup", "dr_restore"),
                           config=SimpleNamespace(restore_dag_id="dr_restore"))


def test_no_restore_point_does_nothing() -> None:
    assert rp.restore_point(_call({}))["restored"] is False


def test_an_environment_without_the_restore_dag_is_not_waited_for_and_says_how_to_restore_by_hand() -> None:
    op = {"restore_point": "snap-1", "restore_point_location": "s3://b/p", "restore_point_dag": False}
    result = rp.restore_point(_call(op))
    assert result["restored"] is False and result["restore_point"] == "snap-1"
    assert "metadata restore --from s3://b/p --strategy skip snap-1" in result["by_hand"]


def test_rows_below_the_restore_point_fail_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    rest = _Rest([])
    seen = iter([{"dag_run": 1, "task_instance": 1}, {"dag_run": 2, "task_instance": 2}])
    monkeypatch.setattr(rp, "counts", lambda rest, dr_dags: next(seen))
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(rp, "run_dag", lambda call, name, dag_id, purpose, step, conf: runs.append(conf) or {})
    op = {"restore_point": "snap-1", "restore_point_location": "s3://b/p",
          "restore_point_rows": {"dag_run": 3, "task_instance": 2}}
    with pytest.raises(StepFailedError, match="below the restore point"):
        rp.restore_point(_call(op, rest))
    assert runs == [{"snapshot": "snap-1", "backup_url": "s3://b/p", "strategy": "skip"}]


def test_rows_brought_back_are_counted_and_what_the_restore_unpaused_is_paused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rest = _Rest([])
    seen = iter([{"dag_run": 2, "task_instance": 2}, {"dag_run": 3, "task_instance": 4}])
    monkeypatch.setattr(rp, "counts", lambda rest, dr_dags: next(seen))
    monkeypatch.setattr(rp, "run_dag", lambda *a, **k: {"state": "success"})
    op = {"restore_point": "snap-1", "restore_point_location": "s3://b/p",
          "restore_point_rows": {"dag_run": 3, "task_instance": 4}}
    result = rp.restore_point(_call(op, rest))
    assert result["restored"] is True
    assert result["rows_brought_back"] == {"dag_run": 1, "task_instance": 2}
    assert rest.paused == ["work", "dr_restore"]
