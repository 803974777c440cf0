"""``upgrade check``: real Airflow 3.2.1 parse, ruff's AIR rules, uv resolution and ``airflow config lint``.

A DAG folder written for Airflow 2 (removed import paths, ``schedule_interval``, the ``execution_date`` context
key) is blocked with each problem named per file and line; a clean folder passes with exit 0; a requirement
that does not resolve against the target's constraints blocks; renamed options are named; bad input exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_platform.upgrade.check import check
from mwaa_platform.upgrade.inputs import Inputs

pytestmark = [pytest.mark.airflow]

BROKEN = '''from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.python_operator import PythonOperator


def hello():
    print("hello")


@task
def when(**context):
    return str(context["execution_date"])


with DAG("broken", start_date=datetime(2024, 1, 1), schedule_interval="@daily", catchup=False) as dag:
    PythonOperator(task_id="hello", python_callable=hello) >> when()
'''
CLEAN = '''from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def hello(**context):
    print(context["logical_date"])


with DAG("clean", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
    PythonOperator(task_id="hello", python_callable=hello)
'''


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run([sys.executable, "-m", "mwaa_platform.cli", "upgrade", "check", *args], env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    broken, clean = tmp_path / "broken", tmp_path / "clean"
    broken.mkdir()
    clean.mkdir()
    (broken / "broken_dag.py").write_text(BROKEN)
    (broken / "clean_dag.py").write_text(CLEAN)
    (clean / "clean_dag.py").write_text(CLEAN)
    return {"broken": broken, "clean": clean}


def test_a_dag_that_breaks_on_3_is_named_per_file_and_line_and_the_clean_one_passes(
        folders: dict[str, Path]) -> None:
    events: list[dict[str, object]] = []
    report = check("prod-env", "2.11.0", "3.2.1", Inputs(folders["broken"]), events.append)
    assert report.blocked and report.path == "in_place" and report.strategies == ["in_place", "blue_green"]
    found = {(f.check, f.file, f.line, f.code) for f in report.findings if f.severity == "blocker"}
    assert ("airflow3", "broken_dag.py", 18, "AIR302") in found         # PythonOperator from python_operator
    assert ("airflow3", "broken_dag.py", 17, "AIR301") in found         # schedule_interval=
    assert ("airflow3", "broken_dag.py", 14, "AIR301") in found         # context["execution_date"]
    assert ("dags", "broken_dag.py", 5, None) in found                  # the real 3.2.1 parse fails on the import
    assert not [f for f in report.findings if f.file == "clean_dag.py"]
    assert report.ran["dags"]["dags"] == ["clean"]
    assert [e["check"] for e in events if e["event"] == "check_finished"] == [
        "version", "requirements", "dags", "airflow3", "config"]

    done = _cli("--env", "prod-env", "--from", "2.11.0", "--to", "3.2.1", "--dags-dir", str(folders["clean"]),
                "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    assert doc["blocked"] is False and doc["checks"]["dags"]["dags"] == ["clean"] and doc["findings"] == []


def test_unresolvable_requirement_and_renamed_options_block_with_exit_3(folders: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text('--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.11.0/'
                   'constraints-3.12.txt"\nsqlalchemy==1.4.54\n')  # 3.2.1's constraints pin SQLAlchemy 2
    options = {"core.dag_concurrency": "4", "webserver.web_server_port": "8080", "core.parallelism": "8"}
    done = _cli("--env", "prod-env", "--from", "2.11.0", "--to", "3.2.1", "--dags-dir", str(folders["clean"]),
                "--requirements", str(req), "--config-options", json.dumps(options), "--json")
    assert done.returncode == 3, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    reqs = [f for f in doc["findings"] if f["check"] == "requirements"]
    assert any(f["severity"] == "blocker" and "sqlalchemy" in f["message"].lower() for f in reqs)
    assert any(f["severity"] == "warning" and "constraint" in f["message"] for f in reqs)
    config = {f["code"]: f["message"] for f in doc["findings"] if f["check"] == "config"}
    assert set(config) == {"core.dag_concurrency", "webserver.web_server_port"}
    assert "max_active_tasks_per_dag" in config["core.dag_concurrency"]
    assert doc["checks"]["dags"]["status"] == "ok"  # parsed without the requirements that do not resolve


def test_bad_input_exits_1_and_an_unoffered_path_blocks(folders: dict[str, Path]) -> None:
    bad = _cli("--env", "e", "--from", "2.11.0", "--to", "3.x", "--dags-dir", str(folders["clean"]))
    assert bad.returncode == 1 and "not an Airflow version" in bad.stderr
    bad = _cli("--env", "e", "--from", "2.11.0", "--to", "3.2.1", "--dags-dir", str(folders["clean"]),
               "--config-options", "[1]")
    assert bad.returncode == 1 and "JSON object" in bad.stderr
    report = check("e", "3.2.1", "2.11.0", Inputs(folders["clean"]))
    assert report.blocked and any("older" in f.message for f in report.findings)
    report = check("e", "2.10.3", "3.3.1", Inputs(folders["clean"]))   # image only: MWAA does not offer it
    assert report.blocked and any("not offered" in f.message for f in report.findings)
    report = check("e", "2.10.3", "3.2.1", Inputs(folders["clean"]))
    assert report.path == "new_environment" and report.strategies == ["blue_green"] and not report.blocked
