"""Environment assets: deterministic plugins.zip whose listener loads in real Airflow 2 and 3, requirements
localized to the shipped constraints, and the startup script's per-component branches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mwaa_platform.airflow_runtime import AirflowRuntime
from mwaa_platform.dag_tooling import assets

REPO = Path(__file__).resolve().parents[2]

LISTENER_PROBE = r'''
import json, sys, warnings
warnings.simplefilter("ignore")
from airflow import plugins_manager
from airflow.listeners.listener import get_listener_manager
plugins_manager.integrate_listener_plugins(get_listener_manager())
names = [p.name for p in plugins_manager.plugins]
hook = get_listener_manager().hook
try:
    from airflow.sdk.definitions.asset import Asset
    hook.on_asset_changed(asset=Asset(name="orders", uri="s3://landing/orders"))
except ImportError:
    from airflow.datasets import Dataset
    hook.on_dataset_changed(dataset=Dataset("s3://landing/orders"))
from dataset_listener import listener
print("PROBE " + json.dumps({"plugins": names, "seen": listener.SEEN}))
'''


def test_plugins_zip_is_deterministic_and_flat(tmp_path: Path) -> None:
    src = tmp_path / "plugins"
    shutil.copytree(REPO / "plugins", src, ignore=shutil.ignore_patterns("__pycache__"))
    first = assets.build_plugins_zip(src, tmp_path / "a.zip")
    os.utime(src / "dataset_listener" / "listener.py", (1_000_000, 1_000_000))
    (src / "dataset_listener" / "__pycache__").mkdir()
    (src / "dataset_listener" / "__pycache__" / "x.pyc").write_bytes(b"junk")
    again = assets.build_plugins_zip(src, tmp_path / "b.zip")
    assert first == again and (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {"dataset_listener_plugin.py", "dataset_listener/listener.py"} <= set(names)
        assert {i.date_time for i in zf.infolist()} == {assets.FIXED_TIME}
    (src / "dataset_listener" / "listener.py").write_text("# changed\n")
    assert assets.build_plugins_zip(src, tmp_path / "c.zip") != first


def test_build_plugins_zip_script(tmp_path: Path) -> None:
    out = tmp_path / "plugins.zip"
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "python"), str(REPO / "scripts" / "build_plugins_zip.py"),
                           "--src", str(REPO / "plugins"), "--out", str(out)], capture_output=True, text=True,
                          check=True, timeout=60)
    assert proc.stdout.strip() == f"{out} sha256={assets.build_plugins_zip(REPO / 'plugins', tmp_path / 'x.zip')}"


def _listener_probe(runtime: AirflowRuntime, plugins_zip: Path, work: Path) -> dict[str, Any]:
    """Unzip plugins.zip into a plugins folder (what MWAA does), load plugins in ``runtime``, fire a change."""
    plugins = work / "plugins"
    with zipfile.ZipFile(plugins_zip) as zf:
        zf.extractall(plugins)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_"))}
    env.update({"AIRFLOW_HOME": str(work / "home"), "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{work}/airflow.db"})
    proc = subprocess.run([str(runtime.python), "-c", LISTENER_PROBE], env=env, capture_output=True, text=True,
                          timeout=180, check=False, cwd=work)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PROBE ")]
    assert lines, proc.stderr[-3000:]
    found: dict[str, Any] = json.loads(lines[-1][len("PROBE "):])
    return found


@pytest.mark.airflow
def test_dataset_listener_plugin_loads_and_hears_changes(airflow2: AirflowRuntime, airflow3: AirflowRuntime,
                                                         tmp_path: Path) -> None:
    assets.build_plugins_zip(REPO / "plugins", tmp_path / "plugins.zip")
    runtimes = {"2.10.3": airflow2, "3.0.6": airflow3}
    for version in runtimes:
        (tmp_path / version).mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:  # independent interpreters: run both at once
        outs = dict(zip(runtimes, pool.map(lambda v: _listener_probe(runtimes[v], tmp_path / "plugins.zip",
                                                                     tmp_path / v), runtimes), strict=True))
    for version, out in outs.items():
        assert "dataset_listener" in out["plugins"], version
        assert [(e["kind"], e["uri"]) for e in out["seen"]] == [("Changed", "s3://landing/orders")], version


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_requirements_localized_to_shipped_constraints(version: str, tmp_path: Path) -> None:
    src = assets.requirements_file(version)
    airflow, python = assets.constraint_of(src)
    assert airflow == version
    dest = assets.localize_requirements(src, tmp_path / "requirements.txt")
    lines = dest.read_text().splitlines()
    constraint = [line for line in lines if line.startswith("--constraint")]
    local = REPO / "airflow" / "constraints" / f"constraints-{version}-py{python}.txt"
    assert constraint == [f"--constraint {local}"] and local.is_file()
    assert "githubusercontent" not in dest.read_text()
    assert "dag-factory==1.1.0" in assets.requirement_lines(dest)
    assert [line for line in lines if not line.startswith("--constraint")] == \
        [line for line in src.read_text().splitlines() if not line.startswith("--constraint")]


def test_requirements_without_constraint_or_local_file_are_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare.txt"
    bare.write_text("dag-factory==1.1.0\n")
    with pytest.raises(assets.AssetError, match="no --constraint line"):
        assets.localize_requirements(bare, tmp_path / "out.txt")
    unknown = tmp_path / "unknown.txt"
    unknown.write_text('--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.4.3/'
                       'constraints-3.10.txt"\n')
    with pytest.raises(assets.AssetError, match=r"constraints-2\.4\.3-py3\.10\.txt"):
        assets.localize_requirements(unknown, tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize("shell", ["sh", "bash"])
@pytest.mark.parametrize(("component", "role", "attempts"), [
    ("worker", "tasks", "5"), ("scheduler", "scheduling", ""), ("webserver", "web", ""), ("", "local", ""),
])
def test_startup_script_branches_on_component(shell: str, component: str, role: str, attempts: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "MWAA_AIRFLOW_COMPONENT": component}
    script = f'. "{REPO / "startup" / "startup.sh"}" >/dev/null; printf "%s|%s|%s|%s" "$PLATFORM_COMPONENT_ROLE" ' \
             '"$AWS_MAX_ATTEMPTS" "$DO_NOT_TRACK" "$ENVIRONMENT_STAGE"'
    out = subprocess.run([shell, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout == f"{role}|{attempts}|1|dev"
