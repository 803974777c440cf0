"""Environment assets: requirements.txt with MWAA's constraint URL, made installable offline, and plugins.zip.

MWAA installs ``requirements.txt`` with a ``--constraint`` URL on GitHub; local runtimes may not reach
GitHub, so :func:`localize_requirements` points that line at the same file shipped in
``airflow/constraints/`` (and refuses a requirements file without a constraint). :func:`build_plugins_zip`
zips a plugins directory with sorted entries, a fixed timestamp and fixed modes, so the same sources give
the same bytes and the S3 object (and its version id) only changes when the plugins do.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile
from pathlib import Path

CONSTRAINT_URL = re.compile(
    r"^(?:--constraint|-c)[ =]\s*[\"']?https://raw\.githubusercontent\.com/apache/airflow/"
    r"constraints-(?P<airflow>[\d.]+)/constraints-(?P<python>\d+\.\d+)\.txt[\"']?\s*$"
)
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


def repo_root() -> Path:
    """The checkout this package is installed from (editable install), where requirements/ and plugins/ live."""
    return Path(__file__).resolve().parents[3]


class AssetError(ValueError):
    """An asset is not in the shape MWAA (or the local runtime) needs."""


def _read_text(path: Path) -> str:
    """A requirements file's text; AssetError (not a traceback) when it is unreadable or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AssetError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise AssetError(f"cannot read {path}: {exc.strerror}") from None


def requirements_file(airflow_version: str, root: Path | None = None) -> Path:
    return (root or repo_root()) / "requirements" / f"requirements-{airflow_version}.txt"


def constraint_of(path: Path) -> tuple[str, str]:
    """(Airflow version, Python version) named by the file's GitHub constraint line."""
    for line in _read_text(path).splitlines():
        match = CONSTRAINT_URL.match(line.strip())
        if match:
            return match["airflow"], match["python"]
    raise AssetError(f"{path}: no --constraint line with Airflow's GitHub constraints URL "
                     "(MWAA needs one: --constraint \"https://raw.githubusercontent.com/apache/airflow/"
                     "constraints-<airflow>/constraints-<python>.txt\")")


def localize_requirements(src: Path, dest: Path, constraints_dir: Path | None = None) -> Path:
    """Write ``src`` to ``dest`` with the constraint URL replaced by the local constraints file."""
    airflow, python = constraint_of(src)
    local = (constraints_dir or repo_root() / "airflow" / "constraints") / f"constraints-{airflow}-py{python}.txt"
    if not local.is_file():
        raise AssetError(f"{src} needs {local.name}, which is not in {local.parent}: add it from Airflow's "
                         f"constraints-{airflow} branch")
    lines = []
    for line in _read_text(src).splitlines():
        if line.strip().startswith(("--constraint", "-c")) and "raw.githubusercontent.com" in line \
                and not CONSTRAINT_URL.match(line.strip()):
            raise AssetError(f"{src}: a --constraint line that is not exactly Airflow's constraints URL "
                             "would still reach GitHub; fix or remove it")
        lines.append(f"--constraint {local.resolve()}" if CONSTRAINT_URL.match(line.strip()) else line)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n")
    return dest


def requirement_lines(path: Path) -> list[str]:
    """The requirement specifiers of a requirements file (no options, comments or Airflow itself)."""
    found = []
    for raw in _read_text(path).splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        name = re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0].lower()
        if name != "apache-airflow":
            found.append(line)
    return found


def _plugin_files(src: Path) -> list[Path]:
    return sorted(p for p in src.rglob("*") if p.is_file() and not (set(p.relative_to(src).parts) & SKIP_PARTS)
                  and p.suffix not in SKIP_SUFFIXES)


def build_plugins_zip(src: Path, out: Path) -> str:
    """Zip the contents of ``src`` (not the directory itself) to ``out``; returns the base64 SHA-256."""
    if not src.is_dir():
        raise AssetError(f"plugins directory {src} does not exist")
    files = _plugin_files(src)
    if not files:
        raise AssetError(f"plugins directory {src} is empty")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), FIXED_TIME)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    os.replace(partial, out)
    return base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode()
