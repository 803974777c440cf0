"""Airflow versions in the local MWAA: validation from the version table, and in-place version changes.

Control plane (``none`` runtime, seconds): end-of-support and unknown versions are refused naming the offered
ones, image-only versions are accepted locally, a 2.10.x -> 3.x change is refused with the table's message and
no status change, minor changes up and down are allowed.

Real Airflow (slow): an environment created on 2.11.0 runs a DAG (an XCom per run), is upgraded in place to
3.2.1 (every dag_run, task_instance and XCom kept, a new run succeeds), a forced migration failure on the way
back to 2.11.0 rolls back with the kept tables byte-for-byte unchanged and the schema of 3.2.1, then the
downgrade to 2.11.0 succeeds (data kept, a new run succeeds). An environment created on 3.2.1 runs a DAG and
is downgraded to 2.11.0 (it never had Airflow 2's FAB tables; a run without a logical date, which Airflow 2
cannot represent, is moved aside by Airflow's downgrade). 3.3.1 (image-only) creates and runs a DAG.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from botocore.exceptions import ClientError
from mwaa_local_helpers import Infra, statuses, wait_status

from mwaa_local.mwaa import classes, environment
from mwaa_local.mwaa.runtime import EnvRuntime
from mwaa_local.mwaa.settings import Settings
from mwaa_local.postgres import Cluster
from mwaa_platform import airflow_runtime, versions

ACCOUNT, REGION = "123456789012", "us-east-1"
AIRFLOW_TAG = {"mwaa-local:runtime": "airflow"}
FAIL_TAG = "mwaa-local:fail-migration"
DAG_ID = "vdag"
# One DAG file for both majors: the XCom it pushes (the return value) must survive every version change.
DAG = """
from datetime import datetime
try:
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow import DAG
    from airflow.operators.python import PythonOperator


def push(**context):
    return {"run": context["run_id"], "answer": 42}


with DAG("vdag", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    PythonOperator(task_id="push", python_callable=push)
"""
# Tables no running component rewrites on its own (the scheduler, DAG processor and API server keep writing
# job, log, dag, serialized_dag, ...): compared byte-for-byte across a rolled-back version change.
MOVED_RUNS = "_airflow_moved__3_0_0__offending_dag_run"
KEPT_TABLES = ("alembic_version", "dag_run", "task_instance", "xcom", "variable", "slot_pool", "connection")


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def message(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Message"])


# -- units ---------------------------------------------------------------------------------------------------
def test_runtimes_take_python_and_constraints_from_the_table() -> None:
    found = airflow_runtime.available_versions()
    assert sorted(found, key=versions.parse) == versions.runnable()
    for version, (python, constraints) in found.items():
        row = versions.get(version)
        assert (python, constraints.name) == (row.python, row.constraints) and constraints.is_file()
        assert python == ("3.11" if row.parts[:2] <= (2, 10) else "3.12")


@pytest.mark.parametrize(("version", "triggerer", "expected"), [
    ("2.11.0", False, ["scheduler"]),
    ("2.11.0", True, ["scheduler", "triggerer"]),
    ("3.2.1", False, ["api-server", "dag-processor", "scheduler"]),
    ("3.2.1", True, ["api-server", "dag-processor", "scheduler", "triggerer"]),
])
def test_components_are_the_tables_minus_the_lazy_webserver_and_optional_triggerer(
        tmp_path: Path, version: str, triggerer: bool, expected: list[str]) -> None:
    settings = Settings(root=tmp_path, port=1, pg_port=1, pg_root=tmp_path, triggerer=triggerer)
    rt = EnvRuntime({"AirflowVersion": version}, settings, databases=None)  # type: ignore[arg-type]
    assert rt.components() == expected
    assert set(expected) <= set(versions.get(version).components)
    assert rt.web_component == ("api-server" if versions.get(version).major >= 3 else "webserver")


def test_local_versions_are_the_table_without_end_of_support() -> None:
    table = versions.all_versions()
    assert set(classes.VERSIONS) == {v for v, row in table.items() if row.status != "end_of_support"}
    assert versions.default_version() == classes.DEFAULT_VERSION
    assert environment.version_problem("3.3.1") is None  # image_only: accepted locally
    assert "end of support" in (environment.version_problem("2.4.3") or "")
    assert "is not supported" in (environment.version_problem("9.9.9") or "")


# -- control plane -------------------------------------------------------------------------------------------
@pytest.mark.emulator
def test_create_refuses_end_of_support_and_unknown_versions_and_accepts_image_only(
        mwaa: Any, infra: Infra) -> None:
    end_of_support = next(v for v, row in versions.all_versions().items() if row.status == "end_of_support")
    image_only = next(v for v, row in versions.all_versions().items() if row.status == "image_only")
    for refused in (end_of_support, "2.0.1"):
        with pytest.raises(ClientError) as err:
            mwaa.create_environment(**infra.params(name("v"), AirflowVersion=refused))
        assert code(err) == "ValidationException"
        assert f"Airflow version {refused} is not supported" in message(err)
        assert ", ".join(versions.offered()) in message(err)
    assert "end of support" in message_of_create(mwaa, infra, end_of_support)
    created = name("img")
    mwaa.create_environment(**infra.params(created, AirflowVersion=image_only))
    assert wait_status(mwaa, created, {"AVAILABLE"}, leaving={"CREATING"})["AirflowVersion"] == image_only
    mwaa.delete_environment(Name=created)


def message_of_create(mwaa: Any, infra: Infra, version: str) -> str:
    with pytest.raises(ClientError) as err:
        mwaa.create_environment(**infra.params(name("v"), AirflowVersion=version))
    return message(err)


@pytest.mark.emulator
def test_version_changes_follow_the_table(mwaa: Any, infra: Infra, status_events: Any) -> None:
    old = name("v21")
    mwaa.create_environment(**infra.params(old, AirflowVersion="2.10.3"))
    wait_status(mwaa, old, {"AVAILABLE"}, leaving={"CREATING"})
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name=old, AirflowVersion="3.2.1")
    assert code(err) == "ValidationException"
    assert message(err) == versions.change_refusal("2.10.3", "3.2.1")
    assert mwaa.get_environment(Name=old)["Environment"]["Status"] == "AVAILABLE"
    assert statuses(status_events(1.0), old) == ["CREATING", "AVAILABLE"]  # no status change at all
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name=old, AirflowVersion="2.4.3")
    assert "end of support" in message(err)

    mwaa.update_environment(Name=old, AirflowVersion="2.9.2")  # minor downgrade: in place
    assert wait_status(mwaa, old, {"AVAILABLE"}, leaving={"UPDATING"})["AirflowVersion"] == "2.9.2"
    bridge = name("v211")
    mwaa.create_environment(**infra.params(bridge, AirflowVersion="2.11.0"))
    wait_status(mwaa, bridge, {"AVAILABLE"}, leaving={"CREATING"})
    mwaa.update_environment(Name=bridge, AirflowVersion="3.2.1")  # 2.11 -> 3.x: in place
    assert wait_status(mwaa, bridge, {"AVAILABLE"}, leaving={"UPDATING"})["AirflowVersion"] == "3.2.1"
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name=bridge, AirflowVersion="2.10.3")  # 3.x -> below 2.11: refused
    assert message(err) == versions.change_refusal("3.2.1", "2.10.3")
    seen = status_events(1.0)
    assert statuses(seen, old) == ["CREATING", "AVAILABLE", "UPDATING", "AVAILABLE"]
    assert statuses(seen, bridge) == ["CREATING", "AVAILABLE", "UPDATING", "AVAILABLE"]
    for env in (old, bridge):
        mwaa.delete_environment(Name=env)


# -- real Airflow --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def connect(postgres: Cluster, env_name: str) -> Iterator[Any]:
    database = environment._database_name(ACCOUNT, REGION, env_name)
    with contextlib.closing(psycopg2.connect(postgres.dsn(database), connect_timeout=10)) as conn:
        conn.autocommit = True
        yield conn.cursor()


def kept_rows(postgres: Cluster, env_name: str) -> dict[str, Any]:
    """Row count and md5 of every kept table (rows ordered by their text), plus the whole public schema."""
    out: dict[str, Any] = {}
    with connect(postgres, env_name) as cur:
        for table in KEPT_TABLES:
            cur.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                        f"FROM {table} t")
            out[table] = cur.fetchone()
        cur.execute("SELECT md5(string_agg(table_name || '.' || column_name || ':' || data_type, ',' "
                    "ORDER BY table_name, column_name)) FROM information_schema.columns WHERE table_schema = 'public'")
        out["schema"] = cur.fetchone()[0]
    return out


def history(postgres: Cluster, env_name: str) -> dict[str, set[tuple[str, ...]]]:
    """The runs, task instances and XComs of the test DAG (columns both majors have)."""
    with connect(postgres, env_name) as cur:
        cur.execute("SELECT run_id, state FROM dag_run WHERE dag_id = %s", (DAG_ID,))
        runs = {tuple(r) for r in cur.fetchall()}
        cur.execute("SELECT run_id, task_id, state FROM task_instance WHERE dag_id = %s", (DAG_ID,))
        tis = {tuple(r) for r in cur.fetchall()}
        cur.execute("SELECT run_id, task_id, key FROM xcom WHERE dag_id = %s", (DAG_ID,))
        xcoms = {tuple(r) for r in cur.fetchall()}
    return {"dag_run": runs, "task_instance": tis, "xcom": xcoms}


def expected_history(run_ids: list[str]) -> dict[str, set[tuple[str, ...]]]:
    return {"dag_run": {(r, "success") for r in run_ids},
            "task_instance": {(r, "push", "success") for r in run_ids},
            "xcom": {(r, "push", "return_value") for r in run_ids}}


def invoke(mwaa: Any, env_name: str, method: str, path: str, **kwargs: Any) -> Any:
    return mwaa.invoke_rest_api(Name=env_name, Method=method, Path=path, **kwargs)


def run_dag(mwaa: Any, env_name: str, run_id: str, logical_date: str | None = None, timeout: float = 300) -> None:
    """Wait for the DAG to be parsed, unpause it, trigger ``run_id`` and wait for it to succeed.

    On Airflow 3 ``logical_date`` may be None (a run without one, which Airflow 2 cannot represent).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if invoke(mwaa, env_name, "GET", f"/dags/{DAG_ID}")["RestApiStatusCode"] == 200:
                break
        except ClientError:
            pass
        assert time.monotonic() < deadline, f"{DAG_ID} not parsed in {env_name}"
        time.sleep(2)
    invoke(mwaa, env_name, "PATCH", f"/dags/{DAG_ID}", Body={"is_paused": False})
    body: dict[str, Any] = {"dag_run_id": run_id}
    if logical_date or versions.get(mwaa.get_environment(Name=env_name)["Environment"]["AirflowVersion"]).major >= 3:
        body["logical_date"] = logical_date
    assert invoke(mwaa, env_name, "POST", f"/dags/{DAG_ID}/dagRuns", Body=body)["RestApiStatusCode"] == 200
    state = ""
    while state != "success":
        state = invoke(mwaa, env_name, "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}")["RestApiResponse"]["state"]
        assert state not in ("failed",), f"{run_id} failed in {env_name}"
        assert time.monotonic() < deadline, f"{run_id} still {state} in {env_name}"
        time.sleep(2)


def change_version(mwaa: Any, env_name: str, version: str, final: str = "AVAILABLE") -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    mwaa.update_environment(Name=env_name, AirflowVersion=version)
    env = wait_status(mwaa, env_name, {final}, timeout=600, leaving={"UPDATING", "ROLLING_BACK"})
    seconds = round(time.monotonic() - started, 1)
    print(f"{env_name}: -> {version}: {final} after {seconds}s")
    return env, seconds
