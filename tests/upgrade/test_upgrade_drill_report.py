"""The upgrade drill's evidence and report (pure parts; the drill itself runs real upgrades: `make upgrade-drill`)."""

from __future__ import annotations

from mwaa_local import upgrade_drill as drill


def test_rows_carried_names_fewer_rows_and_the_tables_a_migration_added_or_dropped() -> None:
    before = {"dag_run": 5, "task_instance": 20, "xcom": 7, "dataset": 1, "task_map": 2}
    after = {"dag_run": 5, "task_instance": 19, "xcom": 7, "asset": 1, "task_map": 2}
    got = drill.carried(before, after)
    assert got["tables"]["dag_run"] == [5, 5] and "asset" not in got["tables"]
    assert got["fewer_rows"] == {"task_instance": [20, 19]}
    assert (got["only_before"], got["only_after"]) == (["dataset"], ["asset"])


def _report(ok: bool) -> dict:
    step = {"status": "done", "started_at": "2026-12-05T10:00:00+00:00", "finished_at": "2026-12-05T10:00:12+00:00"}
    return {
        "from": "2.10.3", "to": "3.2.1", "strategy": "blue_green", "ok": True,
        "marks": {"execute": 100.0, "done": 190.0},
        "check": {"blocked": False, "blockers": 0, "warnings": 1,
                  "findings": [{"check": "config", "severity": "warning", "message": "renamed to x",
                                "file": None, "line": None, "code": "webserver.base_url"}]},
        "steps": {"restore": step},
        "verification": {"ok": ok, "runs_carried": {"before-0": "success"}, "active": ["upgrade_workload"],
                         "new_run": "success", "old_active": [], "downtime_seconds": 84.2,
                         "rows": drill.carried({"dag_run": 3, "dataset": 1}, {"dag_run": 3, "asset": 1})},
        "inflight": {"at_cutover": {"long_task": "running"}, "after": {"run": "success", "task": "success",
                                                                       "try_number": 2}},
        "rollback": {"ok": ok, "seconds": 20.5, "version": "2.10.3", "runs": {"before-0": "success"},
                     "active": ["upgrade_workload"], "new_run": "success", "other_active": [],
                     "steps": {"unfence_old": step}},
    }


def test_the_text_report_carries_downtime_rows_inflight_check_findings_and_the_rollback() -> None:
    text = drill.render_text([_report(ok=True)])
    assert "downtime (last task finished on 2.10.3 -> first task started on 3.2.1): 84.2s" in text
    assert "dag_run 3->3" in text and "tables added ['asset'], dropped ['dataset']" in text
    assert "check warning:  webserver.base_url renamed to x" in text
    assert '"try_number": 2' in text
    assert "rollback: OK in 20.5s; version 2.10.3" in text and "rollback unfence_old" in text
    assert "restore            done     12.0s" in text
    failed = drill.render_text([_report(ok=False)])
    assert "verification: FAILED" in failed and "rollback: FAILED" in failed
