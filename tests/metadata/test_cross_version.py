"""Restore across Airflow versions through Airflow's own migrations, on metadata made by real DAG runs.

Sources (scripts/generate.py: mapped tasks, XComs, a retry, a deferred task with its trigger, notes, a
dataset event, an in-flight run, variables and connections under SOURCE_KEY) on Airflow 2.10.3 and 2.11.0;
targets are freshly created environments (migrated, DAGs parsed and paused, TARGET_KEY) on 3.2.1 and 2.11.0.
The cross-version restore runs with only the target's Airflow (``airflow_python`` = the 3.2.1 runtime), once
in-process (2.10.3) and once through the CLI (2.11.0: ``mwaa-platform metadata restore --airflow-python``). Then
the restored environment is used through Airflow 3.2.1 itself (scripts/check_restored.py): XComs through its
models, variables and connections through its hooks (target key), a new DAG run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import psycopg2
import pytest
from md_support import SOURCE_KEY, TARGET_KEY, AirflowDb, prepare

from mwaa_local.emulator import Emulator
from mwaa_local.postgres import Cluster
from mwaa_platform.metadata import objectstore
from mwaa_platform.metadata.backup import BackupOptions, backup
from mwaa_platform.metadata.errors import SchemaMismatchError
from mwaa_platform.metadata.report import RestoreReport, TableReport
from mwaa_platform.metadata.restore import RestoreOptions, restore

pytestmark = [pytest.mark.airflow, pytest.mark.emulator, pytest.mark.slow]

# natural keys of what users see, compared source vs target (Airflow 3 renamed the dataset tables and
# execution_date; the queries name each side's own columns)
TI = ("SELECT dag_id, run_id, task_id, map_index, try_number, state FROM task_instance "
      "WHERE dag_id NOT LIKE 'dr\\_%'")
RUNS = "SELECT dag_id, run_id, state, run_type FROM dag_run WHERE dag_id NOT LIKE 'dr\\_%'"
XCOM_KEYS = "SELECT dag_id, run_id, task_id, map_index, key FROM xcom WHERE dag_id NOT LIKE 'dr\\_%'"
RUN_NOTES = ("SELECT r.dag_id, r.run_id, n.content FROM dag_run_note n JOIN dag_run r ON r.id = n.dag_run_id")
TI_NOTES_2 = "SELECT dag_id, run_id, task_id, map_index, content FROM task_instance_note"
TI_NOTES_3 = ("SELECT t.dag_id, t.run_id, t.task_id, t.map_index, n.content FROM task_instance_note n "
              "JOIN task_instance t ON t.id = n.ti_id")
EVENTS_2 = ("SELECT d.uri, e.source_dag_id, e.source_run_id, e.source_task_id FROM dataset_event e "
            "JOIN dataset d ON d.id = e.dataset_id")
EVENTS_3 = ("SELECT a.uri, e.source_dag_id, e.source_run_id, e.source_task_id FROM asset_event e "
            "JOIN asset a ON a.id = e.asset_id")
LOG = ("SELECT dttm, dag_id, task_id, event FROM log WHERE dag_id IS NULL OR dag_id NOT LIKE 'dr\\_%'")
DEFERRED = ("SELECT ti.task_id, t.classpath FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id "
            "WHERE ti.state = 'deferred'")


def _rows(db: AirflowDb, sql: str) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(db.dsn())
    with conn, conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    conn.close()
    return sorted(rows, key=repr)


def _capture(db: AirflowDb, af3: bool) -> dict[str, list[tuple[Any, ...]]]:
    """What the comparisons read, taken right after the restore (before anything runs in the target)."""
    queries = {"ti": TI, "runs": RUNS, "xcom": XCOM_KEYS, "run_notes": RUN_NOTES, "log": LOG, "deferred": DEFERRED,
               "ti_notes": TI_NOTES_3 if af3 else TI_NOTES_2, "events": EVENTS_3 if af3 else EVENTS_2,
               "paused": "SELECT dag_id, is_paused FROM dag"}
    return {name: _rows(db, sql) for name, sql in queries.items()}


def _mwaa_db_env(db: AirflowDb) -> dict[str, str]:
    """The variables MWAA puts in every container; the DR task connects with these, not Airflow's ORM."""
    return {"MWAA__DB__POSTGRES_HOST": "127.0.0.1", "MWAA__DB__POSTGRES_PORT": str(db.cluster.port),
            "MWAA__DB__POSTGRES_DB": db.name, "MWAA__DB__POSTGRES_SSLMODE": "disable",
            "MWAA__DB__CREDENTIALS": json.dumps({"username": "postgres", "password": ""})}


def _cli_restore(dst: AirflowDb, loc: objectstore.Location, snapshot: str, python: str
                 ) -> tuple[RestoreReport, list[str]]:
    """``mwaa-platform metadata restore --json`` in a subprocess: the report and the progress lines (stderr)."""
    env = {**os.environ, "AIRFLOW__CORE__FERNET_KEY": TARGET_KEY, "MWAA_PLATFORM_DB_URL": dst.url}
    proc = subprocess.run([str(Path(sys.executable).parent / "mwaa-platform"), "metadata", "restore", "--from",
                           loc.url(), snapshot, "--airflow-python", python, "--json"],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout[:proc.stdout.rindex("\nRESULT ")])
    report = RestoreReport(**{**doc, "tables": [TableReport(**t) for t in doc["tables"]]})
    return report, proc.stderr.splitlines()


@pytest.fixture(scope="module")
def prepared(postgres: Cluster, session_state: Path, dags_folder: Path) -> dict[str, dict[str, Any]]:
    """Sources on 2.10.3 and 2.11.0 (real runs), secondaries on 2.11.0 and 3.2.1; two at a time (2 cores)."""
    root = session_state / "metadata"
    jobs = {"2.10.3": True, "2.11.0": True, "3.2.1": False}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {v: pool.submit(prepare, v, postgres, root, dags_folder, "xv", gen) for v, gen in jobs.items()}
        return {v: f.result() for v, f in futures.items()}


@pytest.fixture(scope="module")
def xv(prepared: dict[str, dict[str, Any]], emulator: Emulator) -> Iterator[dict[str, Any]]:
    """Every restore of this module, run once: three cross-version into 3.2.1 (in-process, CLI, dr_restore DAG),
    one same-revision (2.10.3 into 2.11.0), one refused downgrade (3.2.1 into 2.11.0)."""
    made: list[AirflowDb] = []

    def clone(db: AirflowDb, prefix: str, key: str) -> AirflowDb:
        made.append(db.clone(f"{prefix}_{uuid.uuid4().hex[:8]}", key))
        return made[-1]

    with pytest.MonkeyPatch.context() as mp:
        for name, value in emulator.env("us-east-1").items():
            mp.setenv(name, value)
        key = boto3.client("kms").create_key(Description="DR metadata (cross-version)")["KeyMetadata"]["Arn"]
        bucket = f"md-xv-{uuid.uuid4().hex[:8]}"
        boto3.client("s3").create_bucket(Bucket=bucket)
        loc = objectstore.Location(bucket, "primary")
        snaps = {}
        for v in ("2.10.3", "2.11.0"):
            src = prepared[v]["source"]
            # gzip: the 3.2.1 runtime (where the dr_restore DAG reads it) has no zstandard
            snaps[v] = backup(src.url, SOURCE_KEY, BackupOptions(location=loc, kms_key_id=key, airflow_version=v,
                                                                 codec="gzip"))
        af3 = prepared["3.2.1"]["secondary"]
        snaps["3.2.1"] = backup(af3.url, TARGET_KEY, BackupOptions(location=loc, kms_key_id=key,
                                                                    airflow_version="3.2.1"))
        python = str(af3.runtime.python)

        def across(v: str) -> dict[str, Any]:
            dst = clone(af3, f"xv{v.replace('.', '')}_to321", TARGET_KEY)
            lines: list[str] = []
            if v == "2.11.0":  # through the CLI, as an operator runs it
                report, lines = _cli_restore(dst, loc, snaps[v].snapshot_id, python)
            else:
                report = restore(dst.url, TARGET_KEY, RestoreOptions(
                    location=loc, snapshot_id=snaps[v].snapshot_id, airflow_python=python), progress=lines.append)
            rows = _capture(dst, True)
            checked = dst.script("check_restored.py", prepared[v]["generated"]["runs"][0], timeout=300)
            return {"dst": dst, "report": report, "progress": lines, "checked": checked, "rows": rows}

        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {v: pool.submit(across, v) for v in ("2.10.3", "2.11.0")}
            out: dict[str, Any] = {f"{v}->3.2.1": f.result() for v, f in futures.items()}
        # the DR path: the shipped dr_restore DAG in the 3.2.1 target (its task's interpreter is the only Airflow)
        via_dag = clone(af3, "xv2103_dag321", TARGET_KEY)
        via_dag.run([str(via_dag.runtime.airflow), "dags", "test", "dr_restore", "2025-05-02", "--conf",
                     json.dumps({"snapshot": snaps["2.10.3"].snapshot_id})], timeout=600,
                    MWAA_PLATFORM_DR_BACKUP_URL=loc.url(), **_mwaa_db_env(via_dag))
        out["dag"] = {"rows": _capture(via_dag, True), "runs": _rows(
            via_dag, "SELECT d.state, t.state FROM dag_run d JOIN task_instance t USING (dag_id, run_id) "
                     "WHERE d.dag_id = 'dr_restore'")}
        same = clone(prepared["2.11.0"]["secondary"], "xv2103_to2110", TARGET_KEY)
        report = restore(same.url, TARGET_KEY, RestoreOptions(location=loc, snapshot_id=snaps["2.10.3"].snapshot_id))
        out["2.10.3->2.11.0"] = {"dst": same, "report": report, "rows": _capture(same, False)}
        out["sources"] = {v: _capture(prepared[v]["source"], False) for v in ("2.10.3", "2.11.0")}
        down = clone(prepared["2.11.0"]["secondary"], "xv321_to2110", TARGET_KEY)
        with pytest.raises(SchemaMismatchError) as refused:
            restore(down.url, TARGET_KEY, RestoreOptions(location=loc, snapshot_id=snaps["3.2.1"].snapshot_id,
                                                         airflow_python=str(down.runtime.python)))
        out["refused"] = {"error": str(refused.value), "dst": down}
        out["prepared"] = prepared
        yield out
    for db in made:
        db.cluster.drop_database(db.name)


PAIRS = ("2.10.3->3.2.1", "2.11.0->3.2.1", "2.10.3->2.11.0")


@pytest.mark.parametrize("pair", PAIRS)
def test_rows_match_by_natural_keys(xv: dict[str, Any], pair: str) -> None:
    src = xv["sources"][pair.split("->", maxsplit=1)[0]]
    dst = xv[pair]["rows"]
    assert xv[pair]["report"].committed
    assert len(src["ti"]) > 10 and src["ti"] == dst["ti"]  # mapped tasks (map_index), retries (try_number), states
    for name in ("runs", "xcom", "run_notes", "ti_notes", "events"):
        assert src[name] == dst[name] != [], name  # notes, XComs, dataset -> asset events by natural keys
    assert set(src["log"]) <= set(dst["log"]) and len(src["log"]) > 5
    # the in-flight run came back with its deferred task still on its trigger
    assert [r[0] for r in dst["deferred"]] == ["wait_a_second"]
    # exactly the DAGs active in the source are active in the target
    paused = dict(dst["paused"])
    assert paused["md_etl"] is False and paused["md_consumer"] is True and paused["dr_restore"] is True


@pytest.mark.parametrize("pair", PAIRS[:2])
def test_restored_environment_works_through_the_target_airflow(xv: dict[str, Any], pair: str) -> None:
    checked = xv[pair]["checked"]
    assert checked["xcoms"]["load"] == [14]
    assert [x["square"] for x in checked["xcoms"]["transform"]] == [1, 4, 9]  # mapped XComs, in order
    assert checked["xcoms"]["flaky"] == ["ok on try 2"]
    assert checked["password"] == "s3cr3t|p@ss" and checked["extra"]["token"] == "abc"  # target Fernet key
    assert checked["variables"]["md_var_3"] == {"k": 3, "text": "a|b,c\"d\nnext"}
    assert checked["success"] and checked["new_run_id_after_restored"]


@pytest.mark.parametrize("pair", PAIRS[:2])
def test_report_names_what_the_migrations_changed(xv: dict[str, Any], pair: str) -> None:
    report = xv[pair]["report"]
    m = report.migration
    assert m["source_revision"] != m["target_revision"] and m["target_version"] == "3.2.1"
    assert m["migration_steps"] > 10 and m["migrate_seconds"] > 0 and m["schema_seconds"] > 0
    changes = {t["table"]: t for t in m["tables"] if t["table"]}
    # renames are followed (PostgreSQL keeps a table's identity through ALTER TABLE RENAME)
    assert changes["dataset_event"]["after"] == "asset_event"
    assert changes["dataset_event"]["rows_before"] == changes["dataset_event"]["rows_after"] > 0
    assert "execution_date->logical_date" in changes["dag_run"].get("columns_renamed", [])
    rendered = report.render()
    print(rendered)  # the per-table migration report, for the reader of `pytest -s`
    # no row vanished in a migration without the report naming it (the migration itself may add rows: log)
    for name, t in changes.items():
        if t["rows_after"] < t["rows_before"]:
            assert t.get("change") or t["after"] is None, (name, t)
            assert f"migration {name}" in rendered
    assert "migrated through Airflow's own migrations" in rendered and "dataset_event -> asset_event" in rendered
    lines = xv[pair]["progress"]
    assert any(line.startswith("[3/4] done in") for line in lines)
    assert not any("s3cr3t" in line or "a|b,c" in line for line in [*lines, rendered])  # no secret in a log
    assert any("alembic upgrade" in line for line in lines)  # one line per migration step


def test_dr_restore_dag_restores_an_older_snapshot_with_the_target_airflow(xv: dict[str, Any]) -> None:
    dag, src = xv["dag"], xv["sources"]["2.10.3"]
    assert dag["runs"] == [("success", "success")]  # the shipped dr_restore DAG, its one task
    assert src["ti"] == dag["rows"]["ti"] and src["xcom"] == dag["rows"]["xcom"] != []
    assert dict(dag["rows"]["paused"])["md_etl"] is False


def test_same_revision_pair_needs_no_migration(xv: dict[str, Any]) -> None:
    report = xv["2.10.3->2.11.0"]["report"]
    assert report.committed and report.migration is None  # 2.10.3 and 2.11.0 share schema revision 5f2621c13b39


def test_downgrade_is_refused_with_the_reason(xv: dict[str, Any]) -> None:
    error = xv["refused"]["error"]
    assert "newer than" in error and "3.2.1" in error and "2.11.0" in error
    assert _rows(xv["refused"]["dst"], "SELECT count(*) FROM task_instance WHERE dag_id NOT LIKE 'dr\\_%'") == [(0,)]
