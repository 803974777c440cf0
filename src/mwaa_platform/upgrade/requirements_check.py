"""Does the environment's requirements.txt resolve against the target's constraints? (``uv pip install
--dry-run`` in the target runtime, with Airflow itself pinned: nothing is installed.)"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from mwaa_platform import airflow_runtime
from mwaa_platform.dag_tooling import assets
from mwaa_platform.paths import state_dir
from mwaa_platform.upgrade.findings import Finding

TIMEOUT_SECONDS = 300


def check(version: str, requirements: Path | None) -> list[Finding]:
    """Findings for ``requirements`` under Airflow ``version``'s constraints; [] when it resolves."""
    if requirements is None:
        return []
    found: list[Finding] = []
    try:
        named = assets.constraint_of(requirements)
    except assets.AssetError:
        named = None
    if named and named[0] != version:
        found.append(Finding("requirements", "warning",
                             f"the --constraint line names Airflow {named[0]} (Python {named[1]}): point it at "
                             f"constraints-{version} before the upgrade", requirements.name))
    lines = assets.requirement_lines(requirements)
    if not lines:
        return found
    python_version, constraints = airflow_runtime.available_versions()[version]
    runtime = airflow_runtime.ensure(version)
    with tempfile.TemporaryDirectory(prefix="upgrade-req-") as work:
        req = Path(work) / "requirements.txt"
        req.write_text("\n".join(lines) + "\n")
        argv = [airflow_runtime.uv_path(), "pip", "install", "--dry-run", "--python", str(runtime.python),
                "-c", str(constraints), "-r", str(req), f"apache-airflow[{airflow_runtime.EXTRAS}]=={version}"]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
                                  env=_uv_env())
        except subprocess.TimeoutExpired:
            return [*found, Finding("requirements", "blocker", f"resolution did not finish in {TIMEOUT_SECONDS}s",
                                    requirements.name)]
    if done.returncode != 0:
        detail = [ln.strip() for ln in done.stderr.splitlines() if ln.strip() and not ln.startswith("Using ")]
        found.append(Finding("requirements", "blocker",
                             f"does not resolve with Airflow {version}'s constraints (Python {python_version}): "
                             + " ".join(detail[-4:])[:1500], requirements.name))
    return found


def _uv_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.setdefault("UV_CACHE_DIR", str(state_dir() / "cache" / "uv"))
    return env
