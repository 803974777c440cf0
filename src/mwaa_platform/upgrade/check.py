"""``upgrade check``: everything that can be known before an upgrade without changing anything.

1. version: the target is offered and the path is allowed (in place, or a new environment only);
2. requirements: requirements.txt resolves against the target's constraints;
3. dags: every DAG parses in the target's real Airflow with those requirements and the plugins
   (:func:`mwaa_platform.dag_tooling.check.check`), import errors named per file and line;
4. airflow3: ruff's AIR rules per file and line (:mod:`airflow3_lint`);
5. config: options the target renames or removes (:mod:`config_lint`).
A check that cannot run is a blocker too (an upgrade is not declared safe on missing evidence).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mwaa_platform import versions
from mwaa_platform.airflow_runtime import RuntimeUnavailableError
from mwaa_platform.dag_tooling import check as dags_check
from mwaa_platform.upgrade import airflow3_lint, config_lint, requirements_check
from mwaa_platform.upgrade.findings import CheckReport, Finding
from mwaa_platform.upgrade.inputs import Inputs

Progress = Callable[[dict[str, Any]], None]
_TRACE_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def strategies_for(current: str, target: str) -> list[str]:
    path = versions.change_path(current, target)
    if path == "none":
        return []
    return ["in_place", "blue_green"] if path == "in_place" else ["blue_green"]


def version_findings(current: str, target: str) -> tuple[str, list[Finding]]:
    """The path and what blocks it: unknown / not offered target, a downgrade, no change."""
    try:
        row = versions.get(target)
        versions.get(current)
    except versions.UnknownVersionError as exc:
        return "refused", [Finding("version", "blocker", str(exc), code="version")]
    found: list[Finding] = []
    if not row.offered:
        found.append(Finding("version", "blocker", f"Airflow {target} is not offered by MWAA (status {row.status}); "
                             f"offered: {', '.join(versions.offered())}", code="version"))
    path = versions.change_path(current, target)
    if path == "none":
        found.append(Finding("version", "blocker", f"the environment already runs Airflow {target}", code="version"))
    elif versions.parse(target) < versions.parse(current):
        found.append(Finding("version", "blocker", f"{target} is older than {current}: an upgrade goes up "
                             "(use `upgrade rollback` to undo one)", code="version"))
    elif path == "new_environment":
        found.append(Finding("version", "info", str(versions.change_refusal(current, target)) +
                             " -> strategy blue_green", code="path"))
    return path, found


def import_error_findings(errors: dict[str, str]) -> list[Finding]:
    """One blocker per file: the error's last line, at the deepest traceback line inside that file."""
    found = []
    for rel, text in sorted(errors.items()):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        line_no = None
        for match in _TRACE_LINE.finditer(text):
            if match["file"].endswith(rel):
                line_no = int(match["line"])
        found.append(Finding("dags", "blocker", f"import error: {lines[-1] if lines else '?'}", rel, line_no))
    return found


def _timed(report: CheckReport, name: str, progress: Progress, work: Callable[[], dict[str, Any]]) -> None:
    progress({"event": "check_started", "check": name})
    started = time.monotonic()
    before = len(report.findings)
    try:
        info = work()
    except (dags_check.CheckError, RuntimeUnavailableError, airflow3_lint.LintUnavailableError,
            config_lint.ConfigLintError, OSError) as exc:
        report.add(Finding(name, "blocker", f"the check could not run: {exc}"))
        info = {"summary": "could not run"}
    mine = report.findings[before:]
    status = info.pop("status", None) or ("blocked" if any(f.severity == "blocker" for f in mine) else
                                          "warnings" if mine else "ok")
    report.ran[name] = {"status": status, "seconds": round(time.monotonic() - started, 1), **info}
    progress({"event": "check_finished", "check": name, **report.ran[name]})


def check(environment: str, current: str, target: str, inputs: Inputs,
          progress: Progress = lambda event: None) -> CheckReport:
    """The full report; read-only (temporary folders and cached runtimes aside)."""
    path, found = version_findings(current, target)
    report = CheckReport(environment, current, target, path, strategies_for(current, target) if path != "refused"
                         else [])
    report.add(*found)
    report.ran["version"] = {"status": "blocked" if report.blocked else "ok",
                             "summary": f"{current} -> {target}: {path}"}
    progress({"event": "check_finished", "check": "version", **report.ran["version"]})
    if path == "refused" or not versions.get(target).constraints:
        report.ran["version"]["summary"] += " (no runtime for the target: nothing else checked)"
        return report
    resolved: dict[str, bool] = {}

    def requirements() -> dict[str, Any]:
        got = requirements_check.check(target, inputs.requirements)
        report.add(*got)
        resolved["ok"] = not any(f.severity == "blocker" for f in got)
        if inputs.requirements is None:
            return {"status": "skipped", "summary": "no requirements.txt"}
        return {"summary": "resolves" if resolved["ok"] else "does not resolve"}

    def dags() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="upgrade-check-") as work:
            req = inputs.requirements
            if req is None or not resolved.get("ok"):
                req = Path(work) / "none.txt"  # never the repository's default requirements for the version
                req.write_text("")
            result = dags_check.check(target, inputs.dags_dir, inputs.plugins_dir, req)
        report.add(*import_error_findings(result.import_errors))
        for rel, dag_ids in result.skipped_by_safe_mode.items():
            report.add(Finding("dags", "warning", f"defines {', '.join(dag_ids)} but the scheduler's safe mode skips "
                               "it (the words 'airflow' and 'dag' must both appear)", rel))
        note = "" if resolved.get("ok", True) else " (without the requirements, which do not resolve)"
        return {"summary": f"{len(result.dags)} DAGs parse, {len(result.import_errors)} files fail{note}",
                "dags": sorted(result.dags)}

    def airflow3() -> dict[str, Any]:
        got = airflow3_lint.lint(inputs.dags_dir, versions.get(target).major)
        report.add(*got)
        if versions.get(target).major < 3:
            return {"status": "skipped", "summary": "target is not Airflow 3"}
        return {"summary": f"{len(got)} findings (ruff AIR3)"}

    def config() -> dict[str, Any]:
        got = config_lint.lint(target, inputs.config_options)
        report.add(*got.findings)
        if not got.ran:
            return {"status": "skipped", "summary": got.detail}
        return {"summary": f"{len(inputs.config_options)} options, {len(got.findings)} renamed or removed"}

    for name, work in (("requirements", requirements), ("dags", dags), ("airflow3", airflow3), ("config", config)):
        _timed(report, name, progress, work)
    return report
