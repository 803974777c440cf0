"""dags/data_pipeline.py in real Airflow 2.10.3 and 3.0.6: parses with 0 import errors (safe mode, as MWAA),
is wired as the issue asks, renders its templates from exactly the keys the Terraform module writes into the
pipeline variable, and the IAM-authenticated Redshift connection the module writes parses back in Airflow with
no login or password."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mwaa_platform.airflow_runtime import AirflowRuntime

pytestmark = pytest.mark.airflow

REPO = Path(__file__).resolve().parents[2]
DAG_FILE = REPO / "dags" / "data_pipeline.py"
MODULE_AIRFLOW = REPO / "modules" / "cross-account-data" / "airflow.tf"
PROBE = Path(__file__).resolve().parent / "dag_probe.py"
MARKER = "XACCT-DAG-PROBE "
DS = "2026-01-02"
# What modules/cross-account-data writes into airflow/connections/redshift_default (its tests pin the same value).
REDSHIFT_CONNECTION = {
    "conn_type": "redshift",
    "host": "sales.222222222222.us-east-1.redshift-serverless.amazonaws.com",
    "port": 5439,
    "schema": "dev",
    "extra": {"iam": True, "is_serverless": True, "serverless_work_group": "sales", "region": "us-east-1"},
}


def module_pipeline_keys() -> set[str]:
    """Keys of local.pipeline_config in the module: what Terraform writes into the Airflow variable."""
    text = MODULE_AIRFLOW.read_text()
    block = re.search(r"\n  pipeline_config = \{\n(.*?)\n  \}\n", text, re.S)
    assert block, "local.pipeline_config not found in modules/cross-account-data/airflow.tf"
    return set(re.findall(r"^\s+(\w+)\s+=", block.group(1), re.M))


CONFIG = {
    "region": "us-east-1",
    "input_bucket": "sales-input-111111111111",
    "input_prefix": "sales/raw/",
    "ready_marker": "_SUCCESS",
    "glue_database": "sales",
    "glue_table": "input_raw",
    "glue_crawler": "sales-input",
    "glue_job": "sales-transform",
    "staging_bucket": "sales-staging-222222222222",
    "curated_prefix": "curated/",
    "redshift_workgroup": "sales",
    "redshift_database": "dev",
    "redshift_schema": "etl",
    "redshift_conn_id": "redshift_default",
    "unload_conn_id": "redshift_unload_role_chain",
    "output_bucket": "sales-output-111111111111",
    "output_prefix": "sales/unload/",
    "output_kms_key_arn": "arn:aws:kms:us-east-1:111111111111:key/0000-out",
}


def test_config_fixture_matches_the_module() -> None:
    assert set(CONFIG) == module_pipeline_keys()


def test_dag_source_has_no_account_ids_or_arns() -> None:
    source = DAG_FILE.read_text()
    assert not re.search(r"\b\d{12}\b", source)
    assert "arn:aws" not in source
    used = set(re.findall(r"cfg\(['\"](\w+)['\"]\)", source))
    assert used and used <= module_pipeline_keys(), used - module_pipeline_keys()


def _probe(runtime: AirflowRuntime, tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "dags"
    folder.mkdir()
    shutil.copy(DAG_FILE, folder / DAG_FILE.name)
    home = tmp_path / "airflow-home"
    home.mkdir()
    spec = {"config": CONFIG, "ds": DS, "connections": [json.dumps(REDSHIFT_CONNECTION)]}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    proc = subprocess.run([str(runtime.python), str(PROBE), str(folder / DAG_FILE.name), str(tmp_path / "spec.json")],
                          env=env, capture_output=True, text=True, timeout=300, check=False, cwd=home)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER):])
            return result
    raise AssertionError(f"probe failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


@pytest.fixture(scope="module", params=["airflow2", "airflow3"])
def probe(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    runtime: AirflowRuntime = request.getfixturevalue(request.param)
    return _probe(runtime, tmp_path_factory.mktemp(request.param))


def test_parses_with_zero_import_errors(probe: dict[str, Any]) -> None:
    assert probe["import_errors"] == {}
    assert probe["dag_ids"] == ["data_pipeline"]
    assert probe["catchup"] is False


def test_tasks_are_chained_with_the_trigger_rules(probe: dict[str, Any]) -> None:
    tasks = probe["tasks"]
    assert {t: tasks[t]["type"] for t in tasks} == {
        "wait_for_input": "S3KeySensor",
        "crawl_input": "GlueCrawlerOperator",
        "wait_for_crawl": "GlueCrawlerSensor",
        "transform": "GlueJobOperator",
        "wait_for_transform": "GlueJobSensor",
        "load_to_redshift": "RedshiftDataOperator",
        "clean_up_staging": "SQLExecuteQueryOperator",
        "unload_to_producer": "RedshiftToS3Operator",
    }
    assert {t: tasks[t]["upstream"] for t in tasks} == {
        "wait_for_input": [],
        "crawl_input": ["wait_for_input"],
        "wait_for_crawl": ["crawl_input"],
        "transform": ["wait_for_crawl"],
        "wait_for_transform": ["transform"],
        "load_to_redshift": ["wait_for_transform"],
        "clean_up_staging": ["load_to_redshift"],
        "unload_to_producer": ["clean_up_staging", "load_to_redshift"],
    }
    rules = {t: tasks[t]["trigger_rule"] for t in tasks}
    assert rules.pop("clean_up_staging") == "all_done"
    assert set(rules.values()) == {"all_success"}


def test_sensors_defer_reschedule_and_log(probe: dict[str, Any]) -> None:
    tasks = probe["tasks"]
    assert tasks["wait_for_input"]["attrs"]["deferrable"] is True
    assert tasks["wait_for_input"]["attrs"]["mode"] == "reschedule"
    assert tasks["wait_for_transform"]["attrs"]["verbose"] is True
    assert tasks["crawl_input"]["attrs"]["wait_for_completion"] is False
    assert tasks["transform"]["attrs"]["wait_for_completion"] is False


def test_templates_render_from_the_pipeline_variable(probe: dict[str, Any]) -> None:
    r = {t: v["rendered"] for t, v in probe["tasks"].items()}
    assert r["wait_for_input"] == {"bucket_name": "sales-input-111111111111",
                                   "bucket_key": f"sales/raw/dt={DS}/_SUCCESS"}
    assert r["crawl_input"] == {"config": {"Name": "sales-input"}}
    assert r["wait_for_crawl"] == {"crawler_name": "sales-input"}
    assert r["transform"] == {"job_name": "sales-transform", "script_args": {"--run_date": DS}}
    assert r["wait_for_transform"] == {"job_name": "sales-transform"}
    assert r["load_to_redshift"] == {
        "workgroup_name": "sales", "database": "dev",
        "sql": f"CALL etl.load_curated('{DS}', 's3://sales-staging-222222222222/curated/dt={DS}/')",
    }
    # a SECURITY DEFINER procedure: the pipeline's database user holds no privilege on the staging table
    assert r["clean_up_staging"] == {"sql": "CALL etl.clear_staging()", "conn_id": "redshift_default"}
    unload = r["unload_to_producer"]
    assert unload["s3_bucket"] == "sales-output-111111111111"
    assert unload["s3_key"] == f"sales/unload/dt={DS}/sales_daily_"
    assert unload["select_query"] == f"SELECT * FROM etl.sales_daily WHERE sale_date = '{DS}'"
    assert "KMS_KEY_ID 'arn:aws:kms:us-east-1:111111111111:key/0000-out'" in unload["unload_options"]
    assert probe["tasks"]["unload_to_producer"]["aws_conn"] == CONFIG["unload_conn_id"]
    assert unload["redshift_conn_id"] == CONFIG["redshift_conn_id"]


def test_module_connection_is_iam_authenticated_in_airflow(probe: dict[str, Any]) -> None:
    # RedshiftSQLHook reads iam/is_serverless/serverless_work_group and asks GetCredentials for the password
    assert probe["connections"] == [{
        "conn_type": "redshift", "host": "sales.222222222222.us-east-1.redshift-serverless.amazonaws.com",
        "port": 5439, "schema": "dev", "login": None, "password": None,
        "extra": {"iam": True, "is_serverless": True, "serverless_work_group": "sales", "region": "us-east-1"},
    }]
