"""Deterministic Lambda zips built with Python (no archive provider).

A zip holds ``mwaa_platform/__init__.py``, the shared root modules (``aws.py``, ``logs.py``) and the named
capability subpackages, plus optional third-party requirements installed for the Lambda platform. Entries are
sorted and carry a fixed timestamp and mode, so the same sources give the same bytes and Terraform's
``source_code_hash`` only changes when the code does.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
PACKAGE_ROOT = Path(__file__).resolve().parent
ALWAYS = ("__init__.py", "aws.py", "logs.py", "py.typed")
SKIP_DIRS = {"__pycache__"}  # the embedded default (mwaa_local) is outside PACKAGE_ROOT: it never ships
# Shared subpackages a capability's zip carries along (what the import contracts let it import besides the root).
CARRIES = {"airflow_api": ("airflow_client",), "failover": ("airflow_client",)}


def _files(subpackages: Iterable[str]) -> list[tuple[Path, str]]:
    entries: list[tuple[Path, str]] = [(PACKAGE_ROOT / name, f"mwaa_platform/{name}") for name in ALWAYS
                                       if (PACKAGE_ROOT / name).exists()]
    for sub in dict.fromkeys(name for wanted in subpackages for name in (wanted, *CARRIES.get(wanted, ()))):
        root = PACKAGE_ROOT / sub
        if not (root / "__init__.py").exists():
            raise FileNotFoundError(f"mwaa_platform.{sub} is not a package ({root})")
        for path in sorted(root.rglob("*")):
            if path.is_file() and not (set(path.relative_to(PACKAGE_ROOT).parts) & SKIP_DIRS) \
                    and path.suffix in {".py", ".json", ".sql", ".typed"}:
                entries.append((path, f"mwaa_platform/{path.relative_to(PACKAGE_ROOT).as_posix()}"))
    return entries


def _install_requirements(requirements: list[str], target: Path) -> None:
    uv = shutil.which("uv") or str(Path(sys.prefix).parents[0] / ".state" / "tools" / "bin" / "uv")
    cmd = [uv, "pip", "install", "-q", "--target", str(target), "--python-platform", "x86_64-manylinux2014",
           "--python-version", "3.11", "--only-binary", ":all:", *requirements]
    subprocess.run(cmd, check=True)


def build(out: Path, subpackages: Iterable[str], requirements: list[str] | None = None) -> str:
    """Write the zip to ``out`` and return its base64 SHA-256 (what Terraform's filebase64sha256 gives)."""
    entries = _files(subpackages)
    with tempfile.TemporaryDirectory() as tmp:
        if requirements:
            deps = Path(tmp) / "deps"
            _install_requirements(requirements, deps)
            for path in sorted(deps.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    entries.append((path, path.relative_to(deps).as_posix()))
        entries.sort(key=lambda e: e[1])
        out.parent.mkdir(parents=True, exist_ok=True)
        # per process: two builds at once (two drills, a drill beside `make package`) each replace the zip whole
        partial = out.with_suffix(f".zip.partial-{os.getpid()}")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path, arcname in entries:
                info = zipfile.ZipInfo(arcname, FIXED_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
        os.replace(partial, out)
    return base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode()
