"""``dags check`` in real Airflow 2.10.3 and 3.0.6: the shipped example and dag-factory DAGs parse; a broken
DAG and a file that safe mode silently skips are both reported and fail the command."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mwaa_platform.dag_tooling.check import CheckResult

pytestmark = pytest.mark.airflow

REPO = Path(__file__).resolve().parents[2]
VERSIONS = ("2.10.3", "3.0.6")
EXAMPLE_DAGS = {"example_glue_job_verbose_logs", "example_emr_serverless_athena", "example_deferrable_sensors",
                "example_setup_teardown"}
COUNTRY_DAGS = {"sales_report_us", "sales_report_fr", "sales_report_de", "sales_report_jp"}

BROKEN = '''"""Airflow DAG whose dependency is missing."""
from airflow import DAG
import module_that_does_not_exist
'''
# Defines a DAG but never spells out the framework's name: DagBag's safe mode never imports it.
SNEAKY = '''"""A workflow the scheduler never sees."""
import importlib
import pendulum
DAG = importlib.import_module("air" + "flow").DAG
with DAG("sneaky_dag", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC")):
    pass
'''


@pytest.fixture(scope="module")
def dag_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dags")
    (folder / "examples").symlink_to(REPO / "dags" / "examples")
    (folder / "dag_factory").symlink_to(REPO / "dags" / "dag_factory")
    (folder / "broken.py").write_text(BROKEN)
    (folder / "sneaky.py").write_text(SNEAKY)
    return folder


@pytest.fixture(scope="module")
def reports(dag_folder: Path, airflow2: Any, airflow3: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    """``mwaa-platform dags check --json`` on the folder for both versions, run concurrently as real CLI
    processes (each installs its environment's requirements first): version -> (exit code, report)."""

    def run(version: str) -> tuple[int, dict[str, Any]]:
        proc = subprocess.run([sys.executable, "-m", "mwaa_platform.cli", "dags", "check", "--airflow-version",
                               version, "--dags-dir", str(dag_folder), "--json"], capture_output=True, text=True,
                              timeout=600, check=False, cwd=REPO)
        try:
            [found] = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError(f"no JSON from dags check ({proc.returncode}): {proc.stderr[-2000:]}") from None
        return proc.returncode, found

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(VERSIONS, pool.map(run, VERSIONS), strict=True))


@pytest.fixture(params=VERSIONS)
def report(request: pytest.FixtureRequest, reports: dict[str, tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    exit_code, found = reports[request.param]
    assert exit_code == 1
    assert found["airflow_version"] == request.param
    return found


def test_check_reports_broken_and_skipped_files_and_parses_the_rest(report: dict[str, Any]) -> None:
    assert list(report["import_errors"]) == ["broken.py"]
    assert "module_that_does_not_exist" in report["import_errors"]["broken.py"]
    assert report["skipped_by_safe_mode"] == {"sneaky.py": ["sneaky_dag"]}
    assert set(report["dags"]) == EXAMPLE_DAGS | COUNTRY_DAGS  # every shipped DAG, nothing from the bad files
    assert all(report["dags"][d] == "dag_factory/load_countries.py" for d in COUNTRY_DAGS)


def test_check_text_output_names_the_problem(report: dict[str, Any]) -> None:
    text = "\n".join(CheckResult(**report).lines())
    assert f"Airflow {report['airflow_version']}: FAILED - 8 DAGs, 1 import errors, 1 files skipped" in text
    assert "import error  broken.py: ModuleNotFoundError: No module named 'module_that_does_not_exist'" in text
    assert "sneaky.py: defines sneaky_dag but lacks the words 'airflow' and 'dag'" in text
