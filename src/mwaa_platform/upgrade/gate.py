"""The check gate of ``upgrade execute``: ``upgrade check`` on the environment's own files (S3) runs before the
first step, and any blocker refuses the upgrade (exit 3, nothing changed: no state, no lease, no AWS call that
writes). ``--skip-check`` is the operator's explicit override; it is recorded in the operation (state) and the
result, as the check's summary is when it ran.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mwaa_platform.upgrade import inputs
from mwaa_platform.upgrade.check import check
from mwaa_platform.upgrade.config import UpgradeConfig
from mwaa_platform.upgrade.findings import CheckReport
from mwaa_platform.upgrade.state import RefusedError

Progress = Callable[[dict[str, Any]], None]
Checker = Callable[[UpgradeConfig, dict[str, Any], Progress], CheckReport]
SHOWN_BLOCKERS = 10


def environment_check(config: UpgradeConfig, env: dict[str, Any], progress: Progress) -> CheckReport:
    """``upgrade check`` on what the environment runs: its DAGs, requirements, plugins and options from S3."""
    with inputs.temporary_workdir() as work:
        try:
            given = inputs.from_environment(env, Path(work), config.region)
        except inputs.InputError as exc:
            raise RefusedError(f"upgrade check could not read {config.environment}'s files ({exc}): nothing was "
                               "changed; fix the access, or pass --skip-check to upgrade without the check") from None
        return check(config.environment, str(env.get("AirflowVersion")), str(config.target), given, progress)


def run_gate(config: UpgradeConfig, env: dict[str, Any], checker: Checker, progress: Progress) -> dict[str, Any]:
    """The record kept in the operation: the check's verdict, or that the operator skipped it.

    Raises RefusedError naming the blockers (per file and line) when the check blocks."""
    if config.skip_check:
        return {"ran": False, "skipped": True, "reason": "--skip-check (the operator's override)"}
    progress({"event": "step_started", "step": "check"})
    report = checker(config, env, progress)
    doc = report.to_dict()
    record = {"ran": True, "skipped": False, "blocked": report.blocked, "blockers": doc["blockers"],
              "warnings": doc["warnings"], "path": report.path,
              "checks": {name: info.get("status") for name, info in report.ran.items()}}
    progress({"event": "step_finished", "step": "check", "status": "blocked" if report.blocked else "done",
              "brief": {k: record[k] for k in ("blockers", "warnings")}})
    if report.blocked:
        lines = [line for line in report.lines() if line.lstrip().startswith("blocker")]
        more = f"\n  ... and {len(lines) - SHOWN_BLOCKERS} more" if len(lines) > SHOWN_BLOCKERS else ""
        raise RefusedError(
            f"upgrade check found {doc['blockers']} blocker(s) for {config.environment} "
            f"{report.current} -> {report.target}; nothing was changed:\n" + "\n".join(lines[:SHOWN_BLOCKERS]) + more
            + "\nfix them (`mwaa-platform upgrade check` shows the full report), or pass --skip-check to upgrade "
            "anyway (recorded in the upgrade state)")
    return record
