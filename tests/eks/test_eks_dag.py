"""dags/eks_fine_grained.py in real Airflow 2.10.3 and 3.0.6: parses with no import errors, and the pod
scripts do what the DAG promises (run here with a stub `aws` so their JSON hand-off is checked for real)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mwaa_platform.airflow_runtime import AirflowRuntime

REPO = Path(__file__).resolve().parents[2]
DAG_FILE = REPO / "dags" / "eks_fine_grained.py"

# Runs inside the Airflow runtime: parse the DAG file with DagBag and report what it built.
_REPORT = textwrap.dedent("""
    import json, sys
    from airflow.models.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
    report = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in bag.dags.items():
        tasks = {}
        for task in dag.tasks:
            tasks[task.task_id] = {
                "operator": type(task).__name__,
                "service_account_name": task.service_account_name,
                "namespace": task.namespace,
                "name": getattr(task, "pod_name", None) or task.name,
                "do_xcom_push": task.do_xcom_push,
                "kubernetes_conn_id": getattr(task, "kubernetes_conn_id", None),
                "cluster_name": getattr(task, "cluster_name", None),
                "config_file": task.config_file,
                "downstream": sorted(task.downstream_task_ids),
                "env": {e.name: e.value for e in task.env_vars},
                "script": task.arguments[0],
            }
        report["dags"][dag_id] = {"tasks": tasks, "params": sorted(dag.params.keys())}
    print("REPORT" + json.dumps(report))
""")


def _parse(runtime: AirflowRuntime, tmp_path: Path) -> dict[str, Any]:
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAG_FILE, dags / DAG_FILE.name)
    home = tmp_path / "airflow-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    })
    proc = subprocess.run([str(runtime.python), "-c", _REPORT, str(dags)], capture_output=True, text=True,
                          env=env, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    report: dict[str, Any] = json.loads(line[len("REPORT"):])
    return report


def _check(report: dict[str, Any]) -> None:
    assert report["import_errors"] == {}
    assert set(report["dags"]) == {"eks_fine_grained", "eks_fine_grained_self_managed"}
    eks = report["dags"]["eks_fine_grained"]["tasks"]
    assert {t["operator"] for t in eks.values()} == {"EksPodOperator"}
    assert eks["list_source_bucket"]["service_account_name"] == "s3-reader"
    assert eks["write_listing"]["service_account_name"] == "s3-writer"
    assert eks["list_source_bucket"]["downstream"] == ["write_listing"]
    assert eks["list_source_bucket"]["do_xcom_push"] is True
    assert eks["list_source_bucket"]["cluster_name"] == "{{ params.cluster_name }}"
    assert eks["write_listing"]["env"]["LISTING"] == "{{ ti.xcom_pull(task_ids='list_source_bucket') | tojson }}"
    assert eks["list_source_bucket"]["env"]["SOURCE_BUCKET_PARAMETER"] == "{{ params.source_bucket_parameter }}"
    self_managed = report["dags"]["eks_fine_grained_self_managed"]["tasks"]
    assert {t["operator"] for t in self_managed.values()} == {"KubernetesPodOperator"}
    assert {t["kubernetes_conn_id"] for t in self_managed.values()} == {"kubernetes_self_managed"}
    assert self_managed["write_listing"]["service_account_name"] == "s3-writer"
    for task in [*eks.values(), *self_managed.values()]:
        assert task["config_file"] is None  # no kubeconfig file, least of all one in the DAGs bucket
        assert task["namespace"] == "{{ params.namespace }}"


@pytest.fixture(scope="module")
def report2(airflow2: AirflowRuntime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _parse(airflow2, tmp_path_factory.mktemp("airflow2"))


@pytest.fixture(scope="module")
def report3(airflow3: AirflowRuntime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _parse(airflow3, tmp_path_factory.mktemp("airflow3"))


@pytest.mark.airflow
def test_dag_parses_in_airflow_2(report2: dict[str, Any]) -> None:
    _check(report2)


@pytest.mark.airflow
def test_dag_parses_in_airflow_3(report3: dict[str, Any]) -> None:
    _check(report3)


_STUB_AWS = """#!/bin/sh
# stub of the AWS CLI for the pod scripts: answers from files, records what it was asked to write
case "$1 $2" in
  "ssm get-parameter") cat "$STUB_DIR/param-$(echo "$4" | tr / _)" ;;
  "s3api list-objects-v2") cat "$STUB_DIR/listing.json" ;;
  "s3 cp") cat > "$STUB_DIR/written.json"; echo "$4" > "$STUB_DIR/written-to" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
"""


def _scripts(report: dict[str, Any]) -> tuple[str, str]:
    tasks = report["dags"]["eks_fine_grained"]["tasks"]
    return tasks["list_source_bucket"]["script"], tasks["write_listing"]["script"]


@pytest.mark.airflow
@pytest.mark.parametrize("listing", ['[\n  "a.csv",\n  "dir/b \\"quoted\\".csv"\n]', "null"])
def test_pod_scripts_hand_the_listing_over_as_json(report2: dict[str, Any], tmp_path: Path, listing: str) -> None:
    list_script, write_script = _scripts(report2)
    stub = tmp_path / "stub"
    (stub / "bin").mkdir(parents=True)
    aws = stub / "bin" / "aws"
    aws.write_text(_STUB_AWS)
    aws.chmod(0o755)
    (stub / "param-_p_src").write_text("source-bucket\n")
    (stub / "param-_p_dst").write_text("destination-bucket\n")
    (stub / "listing.json").write_text(listing + "\n")
    xcom = tmp_path / "xcom"
    env = {"PATH": f"{stub / 'bin'}:/usr/bin:/bin", "STUB_DIR": str(stub), "SOURCE_BUCKET_PARAMETER": "/p/src"}
    reader = subprocess.run(["/bin/sh", "-c", list_script.replace("/airflow/xcom", str(xcom))], env=env,
                            capture_output=True, text=True, timeout=30, check=False)
    assert reader.returncode == 0, reader.stderr
    returned = json.loads((xcom / "return.json").read_text())
    expected_keys = [] if listing == "null" else ["a.csv", 'dir/b "quoted".csv']
    assert returned == {"bucket": "source-bucket", "keys": expected_keys}

    env = {**env, "DESTINATION_BUCKET_PARAMETER": "/p/dst", "LISTING": json.dumps(returned),
           "RUN_KEY": "manual__2026-01-01T00-00-00-00-00"}
    writer = subprocess.run(["/bin/sh", "-c", write_script], env=env, capture_output=True, text=True, timeout=30,
                            check=False)
    assert writer.returncode == 0, writer.stderr
    assert json.loads((stub / "written.json").read_text()) == returned
    assert (stub / "written-to").read_text().strip() == \
        "s3://destination-bucket/listings/manual__2026-01-01T00-00-00-00-00.json"
