"""Constrained Airflow installs for the embedded default, one virtualenv per Airflow version.

MWAA pins Airflow and its Python; we mirror that with Airflow's own constraint files, which live in
``airflow/constraints/`` (their upstream URLs may be unreachable). Which Python and which constraints file a
version uses comes from the one version table, :mod:`mwaa_platform.versions`; the file name
(``constraints-<airflow>-py<python>.txt``) is only cross-checked against it. A runtime is created once with uv,
under a file lock, and reused: ``<state>/airflow/<version>/``. The project package is installed into it
(without dependencies) so DAGs can import ``mwaa_platform`` the way a plugins.zip/requirements install
would on MWAA.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mwaa_platform import versions
from mwaa_platform.paths import repo_root, state_dir

EXTRAS = "postgres,amazon,cncf.kubernetes"
# Added to a runtime only when an environment needs CeleryExecutor (mw1.small and up): Airflow's celery extra
# (apache-airflow-providers-celery, celery, kombu as the constraints pin them) and kombu's SQS transport
# dependencies (boto3; urllib3 from kombu 5.5, pycurl before).
CELERY_EXTRA = "celery"
CELERY_REQUIREMENTS = ("kombu[sqs]",)
CELERY_MARKER = ".mwaa-platform-celery"
_CONSTRAINT_RE = re.compile(r"constraints-(?P<af>[\d.]+)-py(?P<py>\d+\.\d+)\.txt$")


class RuntimeUnavailableError(RuntimeError):
    """No constraints or no matching Python for the requested Airflow version."""


@dataclass(frozen=True)
class AirflowRuntime:
    version: str
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def airflow(self) -> Path:
        return self.venv / "bin" / "airflow"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def ready(self) -> bool:
        return (self.venv / ".mwaa-platform-ready").exists()


def constraints_dir() -> Path:
    return repo_root() / "airflow" / "constraints"


def available_versions() -> dict[str, tuple[str, Path]]:
    """Airflow version -> (python version, constraints file) for every runnable version of the table.

    Raises when the table and the shipped file disagree (a missing file, or a name whose Python differs from
    the table's), so a wrong table row fails loudly instead of installing the wrong interpreter.
    """
    found: dict[str, tuple[str, Path]] = {}
    for version in versions.runnable():
        row = versions.get(version)
        assert row.constraints is not None
        path = constraints_dir() / row.constraints
        match = _CONSTRAINT_RE.search(path.name)
        if not path.exists() or not match or match["af"] != version or match["py"] != row.python:
            raise RuntimeUnavailableError(
                f"version table: Airflow {version} names {row.constraints} (Python {row.python}) but "
                f"{'that name does not match' if path.exists() else 'the file is missing from'} {constraints_dir()}")
        found[version] = (row.python, path)
    return found


def uv_path() -> str:
    """The uv binary `make setup` installs (or one on PATH)."""
    local = state_dir() / "tools" / "bin" / "uv"
    if local.exists():
        return str(local)
    found = shutil.which("uv")
    if not found:
        raise RuntimeUnavailableError("uv not found: run `make setup` (it installs uv from PyPI)")
    return found


def find_python(version: str) -> str:
    """A working ``python<version>`` interpreter: PATH first, then pyenv's versions dir, then system paths.

    pyenv shims answer for every version but refuse the ones not selected globally, so each candidate is run
    once before it is chosen. Falls back to the bare version, which lets uv search on its own.
    """
    exe = f"python{version}"
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [shutil.which(exe) or "",
                  *sorted((str(p) for p in pyenv_root.glob(f"versions/{version}*/bin/{exe}")), reverse=True),
                  f"/usr/bin/{exe}", f"/usr/local/bin/{exe}"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            probe = subprocess.run([candidate, "-c", "import sys"], capture_output=True, check=False, timeout=30)
            if probe.returncode == 0:
                return candidate
    return version


def runtime(version: str) -> AirflowRuntime:
    return AirflowRuntime(version, state_dir() / "airflow" / version)


def _uv_env(rt: AirflowRuntime) -> dict[str, str]:
    """uv's environment for installing into ``rt``: the system Python, the project's cache, and bytecode compiled
    at install (every Airflow process imports the runtime: compile once, not at each start)."""
    env = {**os.environ, "UV_PYTHON_PREFERENCE": "only-system", "VIRTUAL_ENV": str(rt.venv)}
    env.setdefault("UV_CACHE_DIR", str(state_dir() / "cache" / "uv"))
    env.setdefault("UV_COMPILE_BYTECODE", "1")
    return env


def ensure(version: str, extra_requirements: list[str] | None = None) -> AirflowRuntime:
    """Create (once) and return the runtime for ``version``; safe to call concurrently."""
    versions = available_versions()
    if version not in versions:
        raise RuntimeUnavailableError(
            f"no constraints for Airflow {version} in {constraints_dir()} (have: {', '.join(versions) or 'none'})."
            " Add constraints-<version>-py<X.Y>.txt from Airflow's constraints branch to support it locally."
        )
    py_version, constraints = versions[version]
    rt = runtime(version)
    rt.venv.parent.mkdir(parents=True, exist_ok=True)
    lock_path = rt.venv.parent / f".{version}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rt.ready() and not extra_requirements:
            return rt
        env = _uv_env(rt)
        uv = uv_path()
        if not rt.python.exists():
            subprocess.run([uv, "venv", "-q", "--python", find_python(py_version), str(rt.venv)], check=True, env=env)
        reqs = [f"apache-airflow[{EXTRAS}]=={version}", *(extra_requirements or [])]
        subprocess.run([uv, "pip", "install", "-q", "-c", str(constraints), *reqs], check=True, env=env)
        subprocess.run([uv, "pip", "install", "-q", "--no-deps", "-e", str(repo_root())], check=True, env=env)
        (rt.venv / ".mwaa-platform-ready").write_text(version)
    return rt


def ensure_celery(version: str) -> AirflowRuntime:
    """The runtime of ``version`` with the Celery provider and kombu's SQS transport added (once)."""
    rt = ensure(version)
    if (rt.venv / CELERY_MARKER).exists():
        return rt
    _, constraints = available_versions()[version]
    with open(rt.venv.parent / f".{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (rt.venv / CELERY_MARKER).exists():
            env = _uv_env(rt)
            reqs = [f"apache-airflow[{EXTRAS},{CELERY_EXTRA}]=={version}", *CELERY_REQUIREMENTS]
            subprocess.run([uv_path(), "pip", "install", "-q", "-c", str(constraints), *reqs], check=True, env=env)
            (rt.venv / CELERY_MARKER).write_text(version)
    return rt
