"""An environment's requirements.txt: resolved against Airflow's constraints, installed as an overlay.

Like MWAA, a requirements file is installed with the Airflow version's constraints; a requirement that
cannot be resolved fails the environment (CREATE_FAILED / a rolled-back update). The shared Airflow
runtime is never modified: the packages the runtime lacks are installed with ``--target`` into the
environment's own overlay directory, which is put on the environment's PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

from mwaa_platform import airflow_runtime
from mwaa_platform.paths import state_dir

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(?P<version>[^\s;]+)")
TIMEOUT_SECONDS = 600


class RequirementsError(RuntimeError):
    """The requirements file does not resolve or install."""


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _uv_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    env.setdefault("UV_CACHE_DIR", str(state_dir() / "cache" / "uv"))
    return env


def _run(argv: list[str], what: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=_uv_env(),
                              check=False)
    except subprocess.TimeoutExpired:
        raise RequirementsError(f"{what} did not finish within {TIMEOUT_SECONDS}s") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise RequirementsError(f"{what} failed: {' '.join(detail[-6:])}")
    return done.stdout


def _cache_file(version: str, constraints: Path, requirements: Path) -> Path:
    digest = hashlib.sha256(b"\0".join([version.encode(), constraints.read_bytes(), requirements.read_bytes()]))
    return state_dir() / "cache" / "mwaa" / "resolved" / f"{digest.hexdigest()[:24]}.json"


def resolve(version: str, requirements: Path, workdir: Path) -> dict[str, str]:
    """Pins (normalized name -> version) of Airflow ``version`` plus ``requirements``, under the constraints.

    Successful resolutions are cached by (version, constraints, file content); failures never are.
    """
    versions = airflow_runtime.available_versions()
    if version not in versions:
        raise RequirementsError(f"no constraints file for Airflow {version} in {airflow_runtime.constraints_dir()}")
    python, constraints = versions[version]
    cached = _cache_file(version, constraints, requirements)
    if cached.exists():
        loaded: dict[str, str] = json.loads(cached.read_text())
        return loaded
    workdir.mkdir(parents=True, exist_ok=True)
    base = workdir / "airflow-base.in"
    base.write_text(f"apache-airflow[{airflow_runtime.EXTRAS}]=={version}\n")
    out = workdir / "resolved.txt"
    _run([airflow_runtime.uv_path(), "pip", "compile", "--quiet", "--no-header", "--no-annotate",
          "--python-version", python, "-c", str(constraints), str(base), str(requirements), "-o", str(out)],
         "resolving requirements.txt")
    pins = {}
    for line in out.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[_normalize(match["name"])] = match["version"]
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(pins, sort_keys=True))
    os.replace(tmp, cached)
    return pins


def install_overlay(runtime: airflow_runtime.AirflowRuntime, pins: dict[str, str], overlay: Path) -> list[str]:
    """Install the pins the runtime lacks (or has at another version) into ``overlay``; returns them."""
    frozen = _run([airflow_runtime.uv_path(), "pip", "freeze", "--python", str(runtime.python)], "listing the runtime")
    installed = {}
    for line in frozen.splitlines():
        match = _PIN.match(line.strip())
        if match:
            installed[_normalize(match["name"])] = match["version"]
    missing = sorted(f"{name}=={ver}" for name, ver in pins.items() if installed.get(name) != ver)
    overlay.mkdir(parents=True, exist_ok=True)
    if missing:
        _run([airflow_runtime.uv_path(), "pip", "install", "--quiet", "--no-deps", "--python", str(runtime.python),
              "--target", str(overlay), *missing], "installing requirements")
    return missing
