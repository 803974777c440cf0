"""Real Airflow 2.10.3 and 3.0.6, the shipped DR DAGs, the emulator's S3/KMS/Step Functions.

Per version (both run side by side; the time is Airflow start-up and dag.test, mostly waiting):
* metadata made by real DAG runs (conftest: scripts/generate.py), backed up WHILE an audit-log writer commits;
* restored into a secondary (DAGs already parsed and paused, another Fernet key) and compared row by row;
* then used through Airflow (scripts/check_restored.py): xcom_pull, variables, connections, a new run.
Airflow 2.10.3 does backup and restore through the DAGs (``airflow dags test dr_backup`` / ``dr_restore``
with the token of a waiting Step Functions execution). Airflow 3.0.6 runs the same task code after Airflow's
own ``block_orm_access()`` (scripts/blocked_task.py), as a worker's task process does, and answers a
Step Functions token with SendTaskFailure for an invalid conf through the real ``dr_restore`` DAG.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import psycopg2
import pytest
from md_data import table_fingerprints
from md_support import SECRET_COLUMNS, SOURCE_KEY, TARGET_KEY, VERSIONS, AirflowDb, all_objects_plaintext

from mwaa_local.emulator import Emulator
from mwaa_platform.metadata import catalog, objectstore
from mwaa_platform.metadata.restore import RestoreOptions, restore

pytestmark = [pytest.mark.airflow, pytest.mark.emulator, pytest.mark.slow]

# Ids the target already used for its own rows are the target's; the snapshot rows that had them got fresh
# ids and their children followed. In these runs: Airflow 3 DAG versions (the secondary's DAG processor made
# its own), the dr_restore DAG's own run (2.10: it exists in the target before the restore starts, typically
# with dag_run.id 1) and its audit-log rows. Those columns are compared through the joins instead.
REMAPPED = {"task_instance": ["dag_version_id"], "task_instance_history": ["dag_version_id"],
            "dag_run": ["id", "created_dag_version_id"], "xcom": ["dag_run_id"], "dag_run_note": ["dag_run_id"],
            "dagrun_dataset_event": ["dag_run_id"], "dagrun_asset_event": ["dag_run_id"], "log": ["id"]}
# what the remapped id columns point at, compared by meaning
JOINS = {
    "xcom": "SELECT x.dag_id, x.run_id, x.task_id, x.map_index, x.key, r.dag_id, r.run_id FROM xcom x "
            "JOIN dag_run r ON r.id = x.dag_run_id WHERE x.dag_id NOT LIKE 'dr\\_%'",
    "dag_run_note": "SELECT r.dag_id, r.run_id, n.content FROM dag_run_note n JOIN dag_run r ON r.id = n.dag_run_id "
                    "WHERE r.dag_id NOT LIKE 'dr\\_%'",
}
TARGET_OWNED = {"dag", "dag_version", "serialized_dag", "dag_code", "dag_bundle"}
NOT_DR = "dag_id IS NULL OR dag_id NOT LIKE 'dr\\_%'"  # the DR DAGs' own runs are not part of the backup


def mwaa_db_env(db: AirflowDb) -> dict[str, str]:
    """The variables MWAA puts in every container; the DR code reads these, not Airflow's ORM."""
    return {"MWAA__DB__POSTGRES_HOST": "127.0.0.1", "MWAA__DB__POSTGRES_PORT": str(db.cluster.port),
            "MWAA__DB__POSTGRES_DB": db.name, "MWAA__DB__POSTGRES_SSLMODE": "disable",
            "MWAA__DB__CREDENTIALS": json.dumps({"username": "postgres", "password": ""})}


class WaitingExecution:
    """A Step Functions execution parked on a .waitForTaskToken task; its token arrives through SQS."""

    def __init__(self, name: str):
        self.sfn, sqs = boto3.client("stepfunctions"), boto3.client("sqs")
        queue = sqs.create_queue(QueueName=f"tokens-{name}")["QueueUrl"]
        definition = {"StartAt": "Restore", "States": {"Restore": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}
        machine = self.sfn.create_state_machine(name=f"restore-{name}", definition=json.dumps(definition),
                                                roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
        self.arn = self.sfn.start_execution(stateMachineArn=machine, name=f"run-{name}")["executionArn"]
        self.token = ""
        for _ in range(60):
            messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
            if messages:
                self.token = json.loads(messages[0]["Body"])["token"]
                break
        assert self.token, "the execution never reached its waiting task"

    def outcome(self, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            desc = self.sfn.describe_execution(executionArn=self.arn)
            if desc["status"] != "RUNNING":
                return dict(desc)
            time.sleep(0.5)
        return {"status": "RUNNING"}


def _rows(db: AirflowDb, sql: str) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(db.dsn())
    with conn, conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    conn.close()
    return rows


def _while_writing(db: AirflowDb, work: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``work`` while another connection commits audit-log rows, one per transaction."""
    stop, count = threading.Event(), [0]

    def writer() -> None:
        conn = psycopg2.connect(db.dsn())
        conn.autocommit = True
        with conn.cursor() as cur:
            while not stop.is_set():
                cur.execute("INSERT INTO log (dttm, event, extra) VALUES (now(), 'md_writer', %s)",
                            (f"n={count[0]}",))
                count[0] += 1
                time.sleep(0.005)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        return work(), count[0]
    finally:
        stop.set()
        thread.join(timeout=30)


def _fingerprints(db: AirflowDb, tables: list[str]) -> dict[str, Counter[str]]:
    return table_fingerprints(db.dsn(), tables, {**SECRET_COLUMNS, **REMAPPED}, where=NOT_DR)


def _compared_tables(db: AirflowDb, manifest: Any) -> list[str]:
    return sorted(t.name for t in manifest.tables if t.name not in TARGET_OWNED)


def _af2(prepared: dict[str, Any], fresh: Callable[[str], str], loc: objectstore.Location,
         settings: dict[str, str]) -> dict[str, Any]:
    src = prepared["source"].clone(fresh("af2_src"), SOURCE_KEY)
    dst = prepared["secondary"].clone(fresh("af2_dst"), TARGET_KEY)
    _, written = _while_writing(src, lambda: src.run(
        [str(src.runtime.airflow), "dags", "test", "dr_backup", "2025-05-01"], timeout=300,
        **settings, **mwaa_db_env(src)))
    manifest = catalog.latest(boto3.client("s3"), loc)
    waiting = WaitingExecution(f"af2-{uuid.uuid4().hex[:6]}")
    conf = json.dumps({"snapshot": "latest", "task_token": waiting.token})
    dst.run([str(dst.runtime.airflow), "dags", "test", "dr_restore", "2025-05-02", "--conf", conf], timeout=300,
            **settings, **mwaa_db_env(dst))
    return {"src": src, "dst": dst, "manifest": manifest, "written": written, "execution": waiting.outcome()}


def _af3(prepared: dict[str, Any], fresh: Callable[[str], str], loc: objectstore.Location,
         settings: dict[str, str]) -> dict[str, Any]:
    src = prepared["source"].clone(fresh("af3_src"), SOURCE_KEY)
    dst = prepared["secondary"].clone(fresh("af3_dst"), TARGET_KEY)
    blocked, written = _while_writing(src, lambda: src.script(
        "blocked_task.py", dst.name, json.dumps({"snapshot": "latest"}), timeout=300,
        TARGET_FERNET_KEY=TARGET_KEY, **settings, **mwaa_db_env(src)))
    manifest = catalog.load(boto3.client("s3"), loc, blocked["backup"]["snapshot_id"])
    return {"src": src, "dst": dst, "manifest": manifest, "written": written, "blocked": blocked}


def _finish(run: dict[str, Any], generated: dict[str, Any], loc: objectstore.Location) -> None:
    """Compare before anything else touches the target, then prove idempotence, then use it."""
    src, dst, manifest = run["src"], run["dst"], run["manifest"]
    tables = _compared_tables(dst, manifest)
    run["tables"] = tables
    run["fp_src"], run["fp_dst"] = _fingerprints(src, tables), _fingerprints(dst, tables)
    run["differing"] = {}  # for the failure message: the differing rows themselves
    for t in tables:
        if t != "log" and run["fp_src"][t] != run["fp_dst"][t]:
            sql = f'SELECT ROW(x.*)::text FROM "{t}" x'
            a, b = Counter(r[0] for r in _rows(src, sql)), Counter(r[0] for r in _rows(dst, sql))
            run["differing"][t] = (list((a - b).elements())[:3], list((b - a).elements())[:3])
    writes = "SELECT substr(extra, 3)::int FROM log WHERE event = 'md_writer'"  # extra = 'n=<sequence>'
    run["writer_src"] = {r[0] for r in _rows(src, writes)}
    run["writer_dst"] = {r[0] for r in _rows(dst, writes)}
    run["paused"] = dict(_rows(dst, "SELECT dag_id, is_paused FROM dag"))
    run["joins"] = {k: (Counter(_rows(src, q)), Counter(_rows(dst, q))) for k, q in JOINS.items()}
    ids = "SELECT dag_id, run_id, id FROM dag_run"
    run["run_ids"] = (_rows(src, ids), _rows(dst, ids))
    log_sql = f"SELECT ROW(l.*)::text FROM (SELECT dttm, dag_id, event, extra FROM log WHERE {NOT_DR}) l"
    run["log_rows"] = (Counter(r[0] for r in _rows(src, log_sql)), Counter(r[0] for r in _rows(dst, log_sql)))
    versions = ("SELECT ti.id::text, v.dag_id || ':' || v.version_number FROM task_instance ti "
                "JOIN dag_version v ON v.id = ti.dag_version_id WHERE ti.dag_id NOT LIKE 'dr\\_%'")
    if src.runtime.major >= 3:
        run["versions"] = (dict(_rows(src, versions)), dict(_rows(dst, versions)))
    run["deferred"] = _rows(dst, "SELECT count(*) FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id "
                                 "WHERE ti.state = 'deferred'")
    run["again"] = restore(dst.url, TARGET_KEY, RestoreOptions(location=loc, snapshot_id=manifest.snapshot_id,
                                                               dry_run=True))
    run["checked"] = dst.script("check_restored.py", generated["runs"][0], timeout=300)


def _af3_invalid_conf(prepared: dict[str, Any], fresh: Callable[[str], str], settings: dict[str, str]
                      ) -> dict[str, Any]:
    dst = prepared["secondary"].clone(fresh("af3_bad"), TARGET_KEY)
    waiting = WaitingExecution(f"af3-{uuid.uuid4().hex[:6]}")
    bad = json.dumps({"snapshot": "latest", "strategy": "overwrite-everything", "task_token": waiting.token})
    with contextlib.suppress(AssertionError):  # whether a failed run fails the CLI differs; the answer matters
        dst.run([str(dst.runtime.airflow), "dags", "test", "dr_restore", "2025-05-03", "--conf", bad],
                timeout=300, **settings, **mwaa_db_env(dst))
    return {"execution": waiting.outcome(), "dst": dst}


@pytest.fixture(scope="module")
def runs(airflow_dbs: dict[str, dict[str, Any]], emulator: Emulator) -> Iterator[dict[str, Any]]:
    made: list[tuple[Any, str]] = []

    def fresh(prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        made.append((airflow_dbs[VERSIONS[0]]["source"].cluster, name))
        return name

    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("AWS_")]:
            mp.delenv(name)
        for name, value in emulator.env("us-east-1").items():
            mp.setenv(name, value)
        key = boto3.client("kms").create_key(Description="DR metadata (Airflow tests)")["KeyMetadata"]["Arn"]
        locs = {}
        for v in VERSIONS:
            bucket = f"md-af{v.replace('.', '')}-{uuid.uuid4().hex[:8]}"
            boto3.client("s3").create_bucket(Bucket=bucket)
            locs[v] = objectstore.Location(bucket, "primary")
        settings = {v: {"MWAA_PLATFORM_DR_BACKUP_URL": locs[v].url(), "MWAA_PLATFORM_DR_KMS_KEY_ID": key}
                    for v in VERSIONS}
        v2, v3 = VERSIONS

        def version2() -> dict[str, Any]:
            run = _af2(airflow_dbs[v2], fresh, locs[v2], settings[v2])
            _finish(run, airflow_dbs[v2]["generated"], locs[v2])
            return run

        def version3() -> dict[str, Any]:
            run = _af3(airflow_dbs[v3], fresh, locs[v3], settings[v3])
            _finish(run, airflow_dbs[v3]["generated"], locs[v3])
            run["invalid"] = _af3_invalid_conf(airflow_dbs[v3], fresh, settings[v3])
            return run

        with ThreadPoolExecutor(max_workers=2) as pool:
            f2, f3 = pool.submit(version2), pool.submit(version3)
            out = {v2: f2.result(), v3: f3.result()}
        for v in VERSIONS:
            out[v]["loc"] = locs[v]
        yield out
    for cluster, name in made:
        cluster.drop_database(name)


@pytest.mark.parametrize("version", VERSIONS)
def test_restored_database_is_the_source_at_snapshot_time(runs: dict[str, Any], version: str) -> None:
    r = runs[version]
    a, b = dict(r["fp_src"]), dict(r["fp_dst"])
    assert {"task_instance", "xcom", "trigger", "dag_run_note", "task_instance_note", "task_map"} <= set(r["tables"])
    assert r["written"] > 0  # writes really went on during the backup
    # consistent: the restored writes are exactly the source's up to one point in time
    src_w, dst_w = r["writer_src"], r["writer_dst"]
    assert dst_w == {i for i in src_w if i <= max(dst_w, default=0)} and len(dst_w) < len(src_w)
    a_log, b_log = a.pop("log"), b.pop("log")
    src_rows, dst_rows = r["log_rows"]
    assert sum((b_log - a_log).values()) == 0, dst_rows - src_rows  # nothing the source does not have
    assert sum((a_log - b_log).values()) == len(src_w - dst_w)  # missing = exactly the writes after the snapshot
    # every other table: row for row, id for id
    diffs = {t: (sum((a[t] - b[t]).values()), sum((b[t] - a[t]).values())) for t in a if a[t] != b[t]}
    assert not diffs, (diffs, r["differing"])
    assert sum(len(c) for c in a.values()) > 30
    # the remapped references still mean the same rows (xcom_pull joins xcom to dag_run by id)
    for name, (src_join, dst_join) in r["joins"].items():
        assert src_join == dst_join and src_join, name
    # ids are the source's except where the target's own rows already had them
    src_ids = {(d, run): i for d, run, i in r["run_ids"][0] if not d.startswith("dr_")}
    dst_ids = {(d, run): i for d, run, i in r["run_ids"][1]}
    target_own = {i for (d, _), i in dst_ids.items() if d.startswith("dr_")}
    moved = {k for k, i in src_ids.items() if dst_ids[k] != i}
    assert all(src_ids[k] in target_own for k in moved), (moved, target_own)
    assert len(moved) <= len(target_own)
    if version.startswith("3."):  # every task instance points at a DAG version with the same meaning
        src_versions, dst_versions = r["versions"]
        assert src_versions == dst_versions != {}
    # in-flight work came back as it was: a running run with a deferred task and its trigger
    assert r["deferred"] == [(1,)]


@pytest.mark.parametrize("version", VERSIONS)
def test_restored_environment_works_through_airflow(runs: dict[str, Any], version: str) -> None:
    r = runs[version]
    checked = r["checked"]
    assert checked["xcoms"]["load"] == [14]  # xcom_pull joins xcom to dag_run by id: ids were kept
    assert [x["square"] for x in checked["xcoms"]["transform"]] == [1, 4, 9]  # mapped task XComs, in order
    assert checked["xcoms"]["flaky"] == ["ok on try 2"]  # the retried task
    assert checked["password"] == "s3cr3t|p@ss" and checked["extra"]["token"] == "abc"  # target Fernet key
    assert checked["variables"]["md_var_3"] == {"k": 3, "text": "a|b,c\"d\nnext"}
    assert checked["success"] and checked["new_run_id_after_restored"]  # a new run succeeds, with a new id
    # exactly the DAGs active in the primary are unpaused; the DR DAGs keep the target's state
    assert r["paused"]["md_etl"] is False and r["paused"]["md_consumer"] is True
    assert r["paused"]["dr_backup"] is True and r["paused"]["dr_restore"] is True
    blob = all_objects_plaintext(r["loc"])
    assert b"s3cr3t|p@ss" not in blob and b"a|b,c" not in blob  # no secret in the bucket in plaintext
    # restoring the same snapshot again would change nothing
    assert all(t.inserted == 0 and t.replaced == 0 for t in r["again"].tables), \
        [(t.table, t.counts()) for t in r["again"].tables if t.inserted or t.replaced]


def test_airflow2_dags_back_up_restore_and_answer_step_functions(runs: dict[str, Any]) -> None:
    r = runs[VERSIONS[0]]
    manifest = r["manifest"]
    assert manifest is not None and manifest.kind == "full"
    # zstandard is not in that Airflow's requirements: the DAG fell back to gzip on its own
    assert {t.data.codec for t in manifest.tables} == {"gzip"}
    assert manifest.options["dr_rows_filtered"] is True  # the backup DAG's own running run is left out
    assert _rows(r["src"], "SELECT count(*) FROM dag_run WHERE dag_id = 'dr_backup'") == [(1,)]
    assert _rows(r["dst"], "SELECT count(*) FROM dag_run WHERE dag_id = 'dr_backup'") == [(0,)]
    execution = r["execution"]
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert output["committed"] is True and output["snapshot_id"] == manifest.snapshot_id
    assert output["tables"]["task_instance"]["state"] == "success"


def test_airflow3_task_code_reaches_the_database_with_the_orm_blocked(runs: dict[str, Any]) -> None:
    blocked = runs[VERSIONS[1]]["blocked"]
    assert blocked["orm_blocked"] is True and "airflow-db-not-allowed" in blocked["conn_env"]
    assert blocked["backup"]["kind"] == "full" and blocked["backup"]["rows"] > 0
    assert blocked["restore"]["committed"] is True
    assert blocked["restore"]["snapshot_id"] == blocked["backup"]["snapshot_id"]


def test_airflow3_restore_dag_answers_failure_for_an_invalid_conf(runs: dict[str, Any]) -> None:
    invalid = runs[VERSIONS[1]]["invalid"]
    execution = invalid["execution"]
    assert execution["status"] == "FAILED" and execution.get("error") == "MetadataRestoreFailed", execution
    assert _rows(invalid["dst"], "SELECT count(*) FROM task_instance WHERE dag_id <> 'dr_restore'") == [(0,)]
