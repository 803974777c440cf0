"""The engine against a real PostgreSQL with Airflow 2.10.3's migrated schema and the emulator's S3/KMS.

Data is written with SQL (md_data.py) so each test controls exactly the shape it checks.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import psycopg2
import pytest
from md_data import (
    SECRET_PASSWORD,
    SECRET_TRIGGER,
    SECRET_VALUE,
    decrypted_secrets,
    execute,
    populate,
    scalar,
    table_fingerprints,
)
from md_support import SECRET_COLUMNS, SOURCE_KEY, TARGET_KEY, AirflowDb, all_objects_plaintext

from mwaa_platform.metadata import catalog, objectstore
from mwaa_platform.metadata.backup import BackupOptions, backup
from mwaa_platform.metadata.crypto import DataKey, SecretError
from mwaa_platform.metadata.errors import (
    IncompleteSnapshotError,
    RestoreFailedError,
    SchemaMismatchError,
)
from mwaa_platform.metadata.manifest import Manifest
from mwaa_platform.metadata.restore import RestoreOptions, restore
from mwaa_platform.metadata.schema import reflect

pytestmark = pytest.mark.airflow




@pytest.fixture
def source(af2_migrated: AirflowDb, fresh_name: Any) -> AirflowDb:
    db = af2_migrated.clone(fresh_name(af2_migrated.cluster, "md_src"), SOURCE_KEY)
    populate(db.dsn(), SOURCE_KEY)
    return db


@pytest.fixture
def target(af2_migrated: AirflowDb, fresh_name: Any) -> AirflowDb:
    return af2_migrated.clone(fresh_name(af2_migrated.cluster, "md_dst"), TARGET_KEY)


def take(db: AirflowDb, loc: objectstore.Location, key: str, **opts: Any) -> Manifest:
    return backup(db.url, db.fernet_key, BackupOptions(location=loc, kms_key_id=key, **opts))


def put_back(db: AirflowDb, loc: objectstore.Location, snapshot: str, **opts: Any) -> Any:
    return restore(db.url, db.fernet_key, RestoreOptions(location=loc, snapshot_id=snapshot, **opts))


def restored_tables(manifest: Manifest) -> list[str]:
    return sorted(t.name for t in manifest.tables if t.name != "dag")


def assert_same(src: AirflowDb, dst: AirflowDb, tables: list[str], exclude: dict[str, list[str]] | None = None
                ) -> None:
    excl = {**SECRET_COLUMNS, **(exclude or {})}
    a, b = table_fingerprints(src.dsn(), tables, excl), table_fingerprints(dst.dsn(), tables, excl)
    diffs = {t: (sum((a[t] - b[t]).values()), sum((b[t] - a[t]).values())) for t in tables if a[t] != b[t]}
    assert not diffs, f"tables differ (missing, extra): {diffs}"


def test_round_trip_keeps_every_row_and_id_and_seals_secrets(source: AirflowDb, target: AirflowDb,
                                                             s3_location: objectstore.Location, kms_key: str) -> None:
    manifest = take(source, s3_location, kms_key)
    # nothing secret readable in the bucket: neither plaintext nor the source's Fernet tokens
    blob = all_objects_plaintext(s3_location)
    for needle in [SECRET_PASSWORD % 1, SECRET_VALUE % 3, "tok-2", SECRET_TRIGGER]:
        assert needle.encode() not in blob
    src_tokens = scalar(source.dsn(), "SELECT string_agg(val, ',') FROM variable WHERE is_encrypted")
    assert src_tokens.split(",")[0].encode() not in blob
    assert b"stored-unencrypted" not in blob  # a variable stored without Fernet is sealed too

    report = put_back(target, s3_location, manifest.snapshot_id)
    assert report.committed
    states = {t.table: t.state for t in report.tables}
    assert all(s in ("success", "excluded") for s in states.values()), states
    assert_same(source, target, restored_tables(manifest), exclude={"dag_run_note": ["user_id"]})
    # secrets: same plaintext, now under the target's key
    assert decrypted_secrets(target.dsn(), TARGET_KEY) == decrypted_secrets(source.dsn(), SOURCE_KEY)
    assert scalar(target.dsn(), "SELECT bool_and(is_encrypted) FROM variable")  # plain_var is now encrypted
    # DAG state: exactly the active DAGs are unpaused
    assert scalar(target.dsn(), "SELECT string_agg(dag_id, ',' ORDER BY dag_id) FROM dag WHERE NOT is_paused") == \
        "dag_0,dag_1,dag_3"
    # sequences are past the restored ids
    for table in ("dag_run", "job", "log", "trigger", "task_fail"):
        max_id = scalar(target.dsn(), f"SELECT max(id) FROM {table}")
        next_id = scalar(target.dsn(), "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", (table,))
        assert next_id > max_id, table
    # the note written by a user the target does not know keeps its text, loses the dangling user id
    note = next(t for t in report.tables if t.table == "dag_run_note")
    assert note.nulled_refs == scalar(source.dsn(), "SELECT count(*) FROM dag_run_note WHERE user_id = 7") > 0
    assert scalar(target.dsn(), "SELECT count(*) FROM dag_run_note WHERE user_id IS NOT NULL") == 0
    # xcom rows still join their dag_run by id (what xcom_pull does)
    assert scalar(target.dsn(), "SELECT count(*) FROM xcom x LEFT JOIN dag_run r ON r.id = x.dag_run_id AND "
                                "r.run_id = x.run_id WHERE r.id IS NULL") == 0


def test_second_restore_changes_nothing(source: AirflowDb, target: AirflowDb, s3_location: objectstore.Location,
                                        kms_key: str) -> None:
    manifest = take(source, s3_location, kms_key)
    put_back(target, s3_location, manifest.snapshot_id)
    tables = sorted(reflect(psycopg2.connect(target.dsn()).cursor()).tables)
    before = table_fingerprints(target.dsn(), tables, {})
    report = put_back(target, s3_location, manifest.snapshot_id)
    assert table_fingerprints(target.dsn(), tables, {}) == before  # byte-for-byte, Fernet tokens included
    for t in report.tables:
        assert t.inserted == 0 and t.replaced == 0, (t.table, t.counts())


def test_conflicts_replace_and_skip(source: AirflowDb, af2_migrated: AirflowDb, fresh_name: Any,
                                    s3_location: objectstore.Location, kms_key: str) -> None:
    manifest = take(source, s3_location, kms_key)
    conflicting = [
        # the new environment already created a run that is also in the backup (edge-conflict), id 1
        "INSERT INTO dag_run (dag_id, run_id, execution_date, state, run_type, external_trigger, log_template_id) "
        "VALUES ('dag_3', 'scheduled__2025-01-02', timestamptz '2025-01-02', 'running', 'scheduled', false, 1)",
        # its own scheduler job took id 5003, which the backup uses for an unrelated job
        "INSERT INTO job (id, state, job_type, latest_heartbeat, hostname) VALUES "
        "(5003, 'running', 'SchedulerJob', now(), 'new-primary')",
        "UPDATE slot_pool SET slots = 999 WHERE pool = 'default_pool'",
        "INSERT INTO variable (key, val, is_encrypted) VALUES ('var_1', 'secondary-only value', false)",
    ]
    results = {}
    for strategy in ("replace", "skip"):
        dst = af2_migrated.clone(fresh_name(af2_migrated.cluster, f"md_{strategy}"), TARGET_KEY)
        execute(dst.dsn(), *conflicting)
        report = put_back(dst, s3_location, manifest.snapshot_id, strategy=strategy)
        results[strategy] = (dst, {t.table: t for t in report.tables})
        # whatever the strategy: the target's live scheduler job is untouched, the backup's job got a new id
        assert scalar(dst.dsn(), "SELECT hostname FROM job WHERE id = 5003") == "new-primary"
        assert scalar(dst.dsn(), "SELECT count(*) FROM job") == 41
        moved = scalar(dst.dsn(), "SELECT id FROM job WHERE start_date = timestamptz '2025-01-01' + 4 * "
                                  "interval '1 minute'")
        assert moved >= 5040
        assert scalar(dst.dsn(), "SELECT count(*) FROM task_instance WHERE job_id = %s", (moved,)) == \
            scalar(source.dsn(), "SELECT count(*) FROM task_instance WHERE job_id = 5003")
        # the conflicting run keeps the target's id; xcom rows of the backup now point at it
        assert scalar(dst.dsn(), "SELECT id FROM dag_run WHERE run_id = 'scheduled__2025-01-02' "
                                 "AND dag_id = 'dag_3'") == 1
        assert scalar(dst.dsn(), "SELECT count(*) FROM xcom WHERE dag_id = 'dag_3' AND "
                                 "run_id = 'scheduled__2025-01-02' AND dag_run_id <> 1") == 0
        assert scalar(dst.dsn(), "SELECT count(*) FROM xcom WHERE dag_run_id = 1") == 6
        assert results[strategy][1]["job"].remapped_ids == 1
    dst, reps = results["replace"]
    assert scalar(dst.dsn(), "SELECT state FROM dag_run WHERE id = 1") == "success"  # the backup's row won
    assert scalar(dst.dsn(), "SELECT slots FROM slot_pool WHERE pool = 'default_pool'") == 128
    assert decrypted_secrets(dst.dsn(), TARGET_KEY)["variable"]["var_1"] == SECRET_VALUE % 1
    assert reps["dag_run"].replaced == 1 and reps["variable"].replaced == 1
    dst, reps = results["skip"]
    assert scalar(dst.dsn(), "SELECT state FROM dag_run WHERE id = 1") == "running"  # the target's row kept
    assert scalar(dst.dsn(), "SELECT slots FROM slot_pool WHERE pool = 'default_pool'") == 999
    assert scalar(dst.dsn(), "SELECT val FROM variable WHERE key = 'var_1'") == "secondary-only value"
    assert reps["dag_run"].skipped_existing == 1 and reps["variable"].skipped_existing == 1


def test_delta_chain_restores_updates_inserts_and_deletes(source: AirflowDb, target: AirflowDb,
                                                          s3_location: objectstore.Location, kms_key: str) -> None:
    base = take(source, s3_location, kms_key)
    execute(source.dsn(),
            "UPDATE task_instance SET state = 'success' WHERE state = 'running'",
            "DELETE FROM xcom WHERE dag_id = 'dag_2' AND task_id = 'task_0'",
            "DELETE FROM log WHERE id % 10 = 0",
            "INSERT INTO log (dttm, event, extra) VALUES (now(), 'after-base', E'multi\\nline')",
            "UPDATE variable SET description = 'changed' WHERE key = 'var_0'")
    first = take(source, s3_location, kms_key, kind="delta")
    assert first.parent == base.snapshot_id and first.base == base.snapshot_id
    execute(source.dsn(),
            "INSERT INTO dag_run (dag_id, run_id, execution_date, state, run_type, external_trigger, log_template_id) "
            "VALUES ('dag_1', 'manual__late', now(), 'success', 'manual', true, 1)",
            "INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, try_number, max_tries, pool, "
            "pool_slots, queue, priority_weight) VALUES ('task_0', 'dag_1', 'manual__late', -1, 'success', 1, 1, "
            "'default_pool', 1, 'default', 1)",
            "DELETE FROM dag_run_note WHERE dag_run_id = (SELECT min(dag_run_id) FROM dag_run_note)")
    second = take(source, s3_location, kms_key, kind="delta")
    assert second.parent == first.snapshot_id
    # a delta carries changed rows only (a superset when other transactions ran meanwhile: never the table)
    assert second.table("log").data.rows < 100 and second.table("task_instance").data.rows < 50
    assert 1 <= first.table("log").data.rows < 100
    report = put_back(target, s3_location, second.snapshot_id)
    assert report.chain == [base.snapshot_id, first.snapshot_id, second.snapshot_id]
    assert_same(source, target, restored_tables(second), exclude={"dag_run_note": ["user_id"]})
    assert decrypted_secrets(target.dsn(), TARGET_KEY) == decrypted_secrets(source.dsn(), SOURCE_KEY)


def test_snapshot_is_consistent_while_writes_go_on(source: AirflowDb, target: AirflowDb,
                                                   s3_location: objectstore.Location, kms_key: str) -> None:
    race = ("INSERT INTO dag_run (dag_id, run_id, execution_date, state, run_type, external_trigger, "
            "log_template_id) VALUES ('dag_0', 'manual__race', now(), 'success', 'manual', true, 1); "
            "INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, try_number, max_tries, pool, "
            "pool_slots, queue, priority_weight) SELECT format('t%s', t), 'dag_0', 'manual__race', -1, 'success', "
            "1, 1, 'default_pool', 1, 'default', 1 FROM generate_series(1, 20) t")
    stop = threading.Event()
    written = [0]

    def writer() -> None:  # runs + their tasks committed together, as the scheduler does, non-stop
        conn = psycopg2.connect(source.dsn())
        while not stop.is_set():
            with conn, conn.cursor() as cur:
                n = written[0]
                cur.execute("INSERT INTO dag_run (dag_id, run_id, execution_date, state, run_type, external_trigger,"
                            " log_template_id) VALUES ('dag_3', %s, now(), 'success', 'manual', true, 1)", (f"w{n}",))
                cur.execute("INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, try_number, "
                            "max_tries, pool, pool_slots, queue, priority_weight) SELECT format('t%%s', t), 'dag_3', "
                            "%s, -1, 'success', 1, 1, 'default_pool', 1, 'default', 1 FROM generate_series(1, 5) t",
                            (f"w{n}",))
                cur.execute("INSERT INTO log (dttm, event) VALUES (now(), 'writer')")
            written[0] += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        manifest = backup(source.url, SOURCE_KEY, BackupOptions(location=s3_location, kms_key_id=kms_key, workers=3),
                          on_snapshot_open=lambda _: execute(source.dsn(), race))
    finally:
        stop.set()
        thread.join(timeout=30)
    assert written[0] > 0
    put_back(target, s3_location, manifest.snapshot_id)
    # the race run committed right after the snapshot opened: not in it, and nothing of it either
    assert scalar(target.dsn(), "SELECT count(*) FROM dag_run WHERE run_id = 'manual__race'") == 0
    assert scalar(target.dsn(), "SELECT count(*) FROM task_instance WHERE run_id = 'manual__race'") == 0
    # every writer run is there with all of its tasks, or not at all; the log agrees with the runs
    assert scalar(target.dsn(), "SELECT count(*) FROM (SELECT r.run_id FROM dag_run r LEFT JOIN task_instance t "
                                "USING (dag_id, run_id) WHERE r.run_id LIKE 'w%' GROUP BY r.run_id "
                                "HAVING count(t.task_id) <> 5) x") == 0
    runs = scalar(target.dsn(), "SELECT count(*) FROM dag_run WHERE run_id LIKE 'w%'")
    assert scalar(target.dsn(), "SELECT count(*) FROM log WHERE event = 'writer'") == runs
    # the next delta picks the race up
    delta = take(source, s3_location, kms_key, kind="delta")
    put_back(target, s3_location, delta.snapshot_id)
    assert scalar(target.dsn(), "SELECT count(*) FROM task_instance WHERE run_id = 'manual__race'") == 20


def test_refuses_incomplete_tampered_and_mismatched(source: AirflowDb, target: AirflowDb,
                                                    s3_location: objectstore.Location, kms_key: str) -> None:
    s3 = boto3.client("s3")
    good = take(source, s3_location, kms_key)
    tampered = take(source, s3_location, kms_key)
    incomplete = take(source, s3_location, kms_key)
    s3.delete_object(Bucket=s3_location.bucket, Key=s3_location.key(incomplete.snapshot_id, "manifest.json"))
    listed = [i.snapshot_id for i in catalog.list_snapshots(s3, s3_location) if i.complete]
    assert listed == [good.snapshot_id, tampered.snapshot_id]
    with pytest.raises(IncompleteSnapshotError, match="no manifest"):
        put_back(target, s3_location, incomplete.snapshot_id)
    # same size, different bytes: caught by the checksum while streaming, before commit
    entry = tampered.table("xcom")
    key = s3_location.key(tampered.snapshot_id, entry.data.key)
    body = bytearray(s3.get_object(Bucket=s3_location.bucket, Key=key)["Body"].read())
    body[len(body) // 2] ^= 0xFF
    s3.put_object(Bucket=s3_location.bucket, Key=key, Body=bytes(body))
    assert not catalog.verify(s3, s3_location, tampered.snapshot_id, deep=True).ok
    assert catalog.verify(s3, s3_location, tampered.snapshot_id).ok  # sizes alone cannot see it
    with pytest.raises((RestoreFailedError, IncompleteSnapshotError)):
        put_back(target, s3_location, tampered.snapshot_id)
    assert scalar(target.dsn(), "SELECT count(*) FROM dag_run") == 0  # rolled back: nothing half-done
    assert scalar(target.dsn(), "SELECT count(*) FROM dag") == 0
    # a missing object is refused before the database is touched
    s3.delete_object(Bucket=s3_location.bucket, Key=s3_location.key(good.snapshot_id, good.table("log").data.key))
    with pytest.raises(IncompleteSnapshotError, match="missing"):
        put_back(target, s3_location, good.snapshot_id)
    # another schema (another Airflow version) is refused with the difference named
    fresh = take(source, s3_location, kms_key)
    execute(target.dsn(), "ALTER TABLE variable ADD COLUMN team text")
    with pytest.raises(SchemaMismatchError, match="variable"):
        put_back(target, s3_location, fresh.snapshot_id)


def test_failure_rolls_back_everything(source: AirflowDb, target: AirflowDb, s3_location: objectstore.Location,
                                       kms_key: str) -> None:
    manifest = take(source, s3_location, kms_key)
    execute(target.dsn(), "INSERT INTO dag (dag_id, is_paused, fileloc, max_active_tasks, "
            "max_consecutive_failed_dag_runs, has_task_concurrency_limits) "
            "VALUES ('dag_0', true, '/x.py', 16, 0, false)",
            "ALTER TABLE task_fail ADD CONSTRAINT no_failures CHECK (duration < 0)")  # breaks late in the order
    with pytest.raises(RestoreFailedError) as info:
        put_back(target, s3_location, manifest.snapshot_id)
    report = info.value.report  # type: ignore[attr-defined]
    assert not report.committed and any(t.state == "failed" for t in report.tables)
    assert scalar(target.dsn(), "SELECT count(*) FROM task_instance") == 0
    assert scalar(target.dsn(), "SELECT is_paused FROM dag WHERE dag_id = 'dag_0'") is True


@pytest.mark.parametrize("mode", ["rerun", "fail"])
def test_in_flight_policies(source: AirflowDb, target: AirflowDb, s3_location: objectstore.Location, kms_key: str,
                            mode: str) -> None:
    manifest = take(source, s3_location, kms_key)
    report = put_back(target, s3_location, manifest.snapshot_id, in_flight=mode)
    conn = psycopg2.connect(target.dsn())
    with conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(state, 'none'), count(*) FROM task_instance WHERE run_id = "
                    "'scheduled__2025-01-05' AND dag_id = 'dag_0' GROUP BY 1")
        states = dict(cur.fetchall())
        cur.execute("SELECT state FROM dag_run WHERE run_id = 'scheduled__2025-01-05' AND dag_id = 'dag_0'")
        run_state = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM task_instance WHERE trigger_id IS NOT NULL")
        deferred = cur.fetchone()[0]
    conn.close()
    ti = next(t for t in report.tables if t.table == "task_instance")
    assert ti.in_flight_changed == (6 if mode == "rerun" else 7)  # fail also ends the up_for_retry task
    assert deferred == 0
    if mode == "rerun":
        assert states == {"none": 6} and run_state == "running"
    else:
        assert states == {"failed": 6} and run_state == "failed"
        assert scalar(target.dsn(), "SELECT state FROM task_instance WHERE dag_id = 'dag_1' AND task_id = 'task_2' "
                                    "AND run_id = 'scheduled__2025-01-01'") == "failed"  # was up_for_retry


def test_list_verify_prune_and_key_access(source: AirflowDb, s3_location: objectstore.Location,
                                          kms_key: str) -> None:
    s3 = boto3.client("s3")
    old_full = take(source, s3_location, kms_key)
    old_delta = take(source, s3_location, kms_key, kind="delta")
    new_full = take(source, s3_location, kms_key)
    new_delta = take(source, s3_location, kms_key, kind="delta")
    s3.put_object(Bucket=s3_location.bucket, Key=s3_location.key("20200101T000000Z-full-abcdef", "tables/x.bin.zst"),
                  Body=b"partial")
    infos = catalog.list_snapshots(s3, s3_location)
    assert [i.snapshot_id for i in infos if not i.complete] == ["20200101T000000Z-full-abcdef"]
    result = catalog.verify(s3, s3_location, new_delta.snapshot_id, deep=True, check_key=True)
    assert result.ok and result.key_ok and result.checked_objects > len(new_delta.tables)
    plan = catalog.plan_prune(s3, s3_location, keep_last=1, max_age_days=None, incomplete_grace_hours=0)
    assert sorted(plan.delete) == sorted([old_full.snapshot_id, old_delta.snapshot_id,
                                          "20200101T000000Z-full-abcdef"])
    assert set(plan.keep) == {new_full.snapshot_id, new_delta.snapshot_id}
    catalog.apply_prune(s3, s3_location, plan)
    assert [i.snapshot_id for i in catalog.list_snapshots(s3, s3_location)] == [new_full.snapshot_id,
                                                                                new_delta.snapshot_id]
    assert catalog.verify(s3, s3_location, new_delta.snapshot_id).ok
    # the data key opens only for the DR key with this snapshot's encryption context
    secrets = new_delta.secrets or {}
    with pytest.raises(SecretError, match="kms:Decrypt"):
        DataKey.unwrap(secrets["data_key"], kms_key, {**secrets["encryption_context"],
                                                      "mwaa-platform:snapshot": new_full.snapshot_id})


def test_cli_backup_list_verify_restore(source: AirflowDb, target: AirflowDb, s3_location: objectstore.Location,
                                        kms_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from mwaa_platform.metadata.cli import group

    runner = CliRunner()
    url = s3_location.url()
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", source.url)
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", SOURCE_KEY)
    result = runner.invoke(group, ["backup", "--to", url, "--kms-key-id", kms_key, "--codec", "gzip"])
    assert result.exit_code == 0, result.output
    result_line = json.loads(result.output.split("RESULT ", 1)[1])
    assert {t["table"] for t in result_line["tables"]} >= {"dag_run", "task_instance", "xcom"}
    snapshot = result_line["snapshot_id"]
    listed = runner.invoke(group, ["list", "--from", url])
    assert listed.exit_code == 0 and snapshot in listed.output
    verified = runner.invoke(group, ["verify", "--from", url, "--deep", "--check-key", snapshot])
    assert verified.exit_code == 0 and verified.output.startswith("OK"), verified.output
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", target.url)
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", TARGET_KEY)
    dry = runner.invoke(group, ["restore", "--from", url, "--dry-run"])
    assert dry.exit_code == 0 and "DRY RUN" in dry.output, dry.output
    assert scalar(target.dsn(), "SELECT count(*) FROM task_instance") == 0  # a dry run changes nothing
    bad = runner.invoke(group, ["restore", "--from", url, "20200101T000000Z-full-abcdef"])
    assert bad.exit_code == 1 and "no snapshot" in bad.output
    monkeypatch.delenv("AIRFLOW__CORE__FERNET_KEY")
    nokey = runner.invoke(group, ["restore", "--from", url, snapshot])
    assert nokey.exit_code == 1 and "Fernet key" in nokey.output
