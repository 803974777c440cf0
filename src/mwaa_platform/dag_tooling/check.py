"""``dags check``: load a DAG folder in a real Airflow of each environment version and report what breaks.

Fails on any import error (either parse mode) and on files that define DAGs but are silently skipped by
DagBag's safe mode (it only imports files containing both the words ``airflow`` and ``dag``; MWAA's
scheduler parses in safe mode, so such a file's DAGs never appear). The parse runs in the runtime's own
interpreter (``mwaa_platform.airflow_runtime``) with a throw-away AIRFLOW_HOME.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwaa_platform import airflow_runtime
from mwaa_platform.dag_tooling import assets
from mwaa_platform.dag_tooling.probe import MARKER
from mwaa_platform.paths import repo_root, state_dir

DEFAULT_TIMEOUT = 600.0


class CheckError(RuntimeError):
    """The probe itself could not run (runtime broken, timeout, no output)."""


@dataclass
class CheckResult:
    airflow_version: str
    dags: dict[str, str] = field(default_factory=dict)  # dag_id -> file (safe mode, what MWAA sees)
    import_errors: dict[str, str] = field(default_factory=dict)  # file -> error
    skipped_by_safe_mode: dict[str, list[str]] = field(default_factory=dict)  # file -> DAG ids it defines

    @property
    def ok(self) -> bool:
        return not self.import_errors and not self.skipped_by_safe_mode

    def lines(self) -> list[str]:
        status = "OK" if self.ok else "FAILED"
        out = [f"Airflow {self.airflow_version}: {status} - {len(self.dags)} DAGs, "
               f"{len(self.import_errors)} import errors, {len(self.skipped_by_safe_mode)} files skipped by safe mode"]
        for path, error in self.import_errors.items():
            last = [line for line in error.splitlines() if line.strip()][-1:] or ["?"]
            out.append(f"  import error  {path}: {last[0].strip()}")
        for path, dag_ids in self.skipped_by_safe_mode.items():
            out.append(f"  skipped       {path}: defines {', '.join(dag_ids)} but lacks the words 'airflow' "
                       "and 'dag' together, so the scheduler (safe mode) never parses it")
        return out


def interpret(version: str, probe: dict[str, Any]) -> CheckResult:
    safe, full = probe["safe"], probe["all"]
    errors = {**full["import_errors"], **safe["import_errors"]}
    by_file: dict[str, list[str]] = {}
    for dag_id, path in full["dags"].items():
        by_file.setdefault(path, []).append(dag_id)
    skipped = {path: sorted(ids) for path, ids in sorted(by_file.items()) if path not in safe["parsed"]}
    return CheckResult(probe.get("airflow_version", version), dict(safe["dags"]), errors, skipped)


def run_probe(runtime: airflow_runtime.AirflowRuntime, dags_dir: Path, plugins_dir: Path | None = None,
              timeout: float = DEFAULT_TIMEOUT, overlay: Path | None = None) -> dict[str, Any]:
    folder = dags_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="dags-check-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update({
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PLUGINS_FOLDER": str((plugins_dir or Path(home) / "plugins").resolve()),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        if overlay is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(overlay), *filter(None, [env.get("PYTHONPATH")])])
        try:
            proc = subprocess.run([str(runtime.python), "-m", "mwaa_platform.dag_tooling.probe", str(folder)], env=env,
                                  capture_output=True, text=True, timeout=timeout, check=False, cwd=home)
        except subprocess.TimeoutExpired:
            raise CheckError(f"parsing {folder} in Airflow {runtime.version} took more than {timeout:.0f}s") from None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER):])
            return result
    raise CheckError(f"Airflow {runtime.version} probe failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def check(version: str, dags_dir: Path | None = None, plugins_dir: Path | None = None,
          requirements: Path | None = None, install: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``dags_dir`` in Airflow ``version``; with ``install`` the environment's requirements are added
    first (``requirements/requirements-<version>.txt`` by default), as an overlay the runtime never sees."""
    root = repo_root()
    extra: list[str] = []
    if install:
        req = requirements or assets.requirements_file(version, root)
        if req.exists():
            extra = assets.requirement_lines(req)
    runtime = airflow_runtime.ensure(version) if install else airflow_runtime.runtime(version)
    if not runtime.python.exists():
        raise CheckError(f"no Airflow {version} runtime at {runtime.venv}: run without --no-install to create it")
    overlay = requirements_overlay(runtime, extra) if extra else None
    probe = run_probe(runtime, dags_dir or root / "dags", plugins_dir, timeout, overlay)
    return interpret(version, probe)


def requirements_overlay(runtime: airflow_runtime.AirflowRuntime, lines: list[str]) -> Path:
    """The requirements resolved under the version's constraints, what the runtime lacks installed into an
    overlay directory (the local MWAA's mechanism): the shared runtime is never changed, so other processes
    using it meanwhile (Airflow environments, other checks) are never disturbed. Cached by content."""
    from mwaa_platform.airflow_runtime import requirements as mwaa_requirements

    digest = hashlib.sha256("\n".join([runtime.version, *lines]).encode()).hexdigest()[:16]
    overlay = state_dir() / "cache" / "dags-check" / f"{runtime.version}-{digest}"
    if (overlay / ".ready").exists():
        return overlay
    with tempfile.TemporaryDirectory(prefix="dags-check-req-") as work:
        req = Path(work) / "requirements.txt"
        req.write_text("\n".join(lines) + "\n")
        try:
            pins = mwaa_requirements.resolve(runtime.version, req, Path(work))
            staging = overlay.with_name(f"{overlay.name}.{os.getpid()}.tmp")
            shutil.rmtree(staging, ignore_errors=True)
            mwaa_requirements.install_overlay(runtime, pins, staging)
        except mwaa_requirements.RequirementsError as exc:
            raise CheckError(f"requirements for Airflow {runtime.version}: {exc}") from None
    (staging / ".ready").write_text(runtime.version)
    try:
        os.replace(staging, overlay)  # atomic; a concurrent check may have won the race: its overlay is as good
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return overlay
