"""The import contracts in pyproject.toml hold for the tree, and they do catch a violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
                          cwd=root, env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_tree_keeps_every_contract() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_product_module_importing_the_emulator_breaks_a_contract(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    check = tmp_path / "src" / "mwaa_platform" / "dag_tooling" / "check.py"
    check.write_text(check.read_text() + "\nfrom mwaa_local import ports  # noqa\n")
    lam = tmp_path / "src" / "mwaa_platform" / "sso" / "handler.py"
    lam.write_text(lam.read_text() + "\nfrom mwaa_platform import endpoints  # noqa\n")
    done = _lint(tmp_path)
    assert done.returncode == 1
    assert "The product never imports the embedded default (mwaa_local) BROKEN" in done.stdout
    assert "Lambda packages never import each other BROKEN" in done.stdout
    assert "mwaa_platform.dag_tooling.check -> mwaa_local" in done.stdout
