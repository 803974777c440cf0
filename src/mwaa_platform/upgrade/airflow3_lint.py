"""Airflow 3 incompatibilities per file and line, from ruff's AIR rules (ruff is a kept linter; no own rules).

AIR301 (removed), AIR302 (moved to a provider), AIR303 (signature changed) and AIR304 (dynamic DAG values)
break on 3.x: blockers. AIR311/AIR312 (still work, deprecated) and AIR321 (moved in 3.1): warnings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from mwaa_platform.upgrade.findings import Finding, Severity

BLOCKING = ("AIR301", "AIR302", "AIR303", "AIR304")
TIMEOUT_SECONDS = 120


class LintUnavailableError(RuntimeError):
    """ruff is not installed or did not answer with its JSON report."""


def ruff_binary() -> str:
    """ruff on PATH, else next to this interpreter (the project venv)."""
    found = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(found).exists():
        raise LintUnavailableError("ruff not found: install the dev extras (pip install -e .[dev]) or put ruff on PATH")
    return found


def severity_of(code: str) -> Severity:
    return "blocker" if code in BLOCKING else "warning"


def lint(dags_dir: Path, target_major: int = 3) -> list[Finding]:
    """ruff's AIR3xx findings for ``dags_dir`` (none when the target is not Airflow 3)."""
    if target_major < 3:
        return []
    folder = dags_dir.resolve()
    # --isolated: the project's own ruff configuration (if any) must not switch rules off; --preview: every AIR3 rule
    argv = [ruff_binary(), "check", "--isolated", "--preview", "--no-cache", "--select", "AIR3",
            "--output-format", "json", "--exit-zero", str(folder)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise LintUnavailableError(f"ruff did not finish within {TIMEOUT_SECONDS}s on {folder}") from None
    try:
        rows = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise LintUnavailableError(f"ruff failed (exit {done.returncode}): {done.stderr.strip()[-500:]}") from None
    found = []
    for row in rows:
        code = str(row.get("code") or "")
        if not code.startswith("AIR"):
            continue
        path = Path(row["filename"])
        rel = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.as_posix()
        found.append(Finding("airflow3", severity_of(code), str(row.get("message", "")).strip(), rel,
                             int((row.get("location") or {}).get("row") or 0) or None, code))
    return sorted(found, key=lambda f: (f.file or "", f.line or 0, f.code or ""))
