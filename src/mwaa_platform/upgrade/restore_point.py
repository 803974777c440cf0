"""The in-place rollback's restore point: the metadata snapshot ``execute`` took before UpdateEnvironment.

After MWAA's downgrade (UpdateEnvironment back, Airflow's own ``db downgrade``) the restore point is restored
into the environment by its restore DAG (the metadata engine) with strategy ``skip``: the engine matches every
row by natural key (``dag_run (dag_id, run_id)``, task instances ``(dag_id, task_id, run_id, map_index)``,
XComs ...), inserts the restore point's rows the environment lacks (the ones the downgrade or anything since the
upgrade lost) and keeps every row it has (also those created on the newer version). The DAG runs and task
instances counted before and after say how many came back (0: the downgrade lost nothing). Rows created on the
newer version that the older cannot hold are not in the restore point; ``verify`` names them
(``moved_by_downgrade``). What MWAA cannot downgrade in place (3.x to 2.10 or older) is refused by
``update_version`` before this step.
"""

from __future__ import annotations

from typing import Any

from mwaa_platform.upgrade.state import StepFailedError
from mwaa_platform.upgrade.steps import Call, counts, run_dag

COUNTED = ("dag_run", "task_instance")


def restore_point(call: Call) -> dict[str, Any]:
    """Rollback in place, after the downgrade: our restore point back, the rows the environment lacks only."""
    point, location = call.op.get("restore_point"), call.op.get("restore_point_location")
    if not point or not location:
        return {"restored": False, "reason": "the upgrade took no restore point (--no-snapshot): MWAA's only"}
    name = call.target_env
    if not call.op.get("restore_point_dag", True):
        # the environment had no restore DAG when the point was taken: waiting for it to parse would only time out
        return {"restored": False, "restore_point": point,
                "reason": f"{name} had no {call.config.restore_dag_id} DAG at the upgrade; verify decides whether "
                          "rows were lost",
                "by_hand": f"mwaa-platform metadata restore --from {location} --strategy skip {point} (where the "
                           f"environment's database is reachable), or deploy {call.config.restore_dag_id} and "
                           "trigger it with "
                           f'conf {{"snapshot": "{point}", "backup_url": "{location}", "strategy": "skip"}}'}
    rest = call.rest(name)
    before = counts(rest, call.dr_dags)
    conf = {"snapshot": point, "backup_url": location, "strategy": "skip"}
    run = run_dag(call, name, call.config.restore_dag_id, "point", "restore_point", conf)
    # the restore applies the snapshot's paused flags; the rollback's own unpause step decides what runs
    paused = [d["dag_id"] for d in rest.dags(paused=False) if rest.set_paused(d["dag_id"], True)]
    after = counts(rest, call.dr_dags)
    brought_back = {t: after.get(t, 0) - before.get(t, 0) for t in COUNTED}  # `skip` inserts, never deletes
    expected = call.op.get("restore_point_rows") or {}
    short = {t: (int(expected[t]), after.get(t, 0)) for t in COUNTED if after.get(t, 0) < int(expected.get(t, 0))}
    if short:
        raise StepFailedError(f"{name}: after restoring {point} rows are below the restore point (expected, found): "
                              f"{short}")
    return {"restored": True, "restore_point": point, "run": run,
            "rows_brought_back": brought_back, "counts_after_downgrade": before, "counts_after_restore": after,
            "paused_after_restore": paused}
