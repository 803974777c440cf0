"""Pure units of the metadata engine: no database, no emulator."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet

from mwaa_platform.metadata import codec, copyfmt, dbconn, jobs, table_rules
from mwaa_platform.metadata.crypto import SEALED_PREFIX, DataKey, FernetKeys, Sealer, SecretError, local_replica
from mwaa_platform.metadata.errors import ConfigurationError, IncompleteSnapshotError
from mwaa_platform.metadata.manifest import FileEntry, Manifest, TableEntry, new_snapshot_id, valid_snapshot_id
from mwaa_platform.metadata.schema import Column, ForeignKey, Schema, Table, dependency_order, diff, fingerprint


@pytest.mark.parametrize("value", [None, "", "plain", "tab\there", "nl\nand\rcr", "back\\slash\\N", "\\N", "|,\""])
def test_copy_text_round_trip(value: str | None) -> None:
    line = copyfmt.format_row(["1", value, "x"])
    assert line.count(b"\n") == 1  # one row, one line, whatever the content
    assert list(copyfmt.parse_lines(iter([line]))) == [["1", value, "x"]]


def test_copy_text_reads_octal_escapes_as_postgres_writes_them() -> None:
    assert copyfmt.unescape("a\\001b") == "a\x01b"


MWAA_ENV = {"MWAA__DB__POSTGRES_HOST": "db.internal", "MWAA__DB__POSTGRES_PORT": "5432",
            "MWAA__DB__POSTGRES_DB": "AirflowMetadata", "MWAA__DB__POSTGRES_SSLMODE": "require",
            "MWAA__DB__CREDENTIALS": json.dumps({"username": "adminuser", "password": "p@ss/w:rd"})}


def test_db_url_prefers_mwaa_variables_and_skips_airflow3_placeholder() -> None:
    env = {**MWAA_ENV, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "airflow-db-not-allowed:///"}
    url = dbconn.resolve_db_url(env=env)
    assert url == "postgresql://adminuser:p%40ss%2Fw%3Ard@db.internal:5432/AirflowMetadata?sslmode=require"
    assert dbconn.describe(url) == "db.internal:5432/AirflowMetadata"  # never the credentials
    assert dbconn.resolve_db_url("postgresql://x@h/db", env=env) == "postgresql://x@h/db"  # explicit wins
    airflow2 = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://u:p@h:5/db?sslmode=disable&foo=1"}
    assert dbconn.to_libpq(dbconn.resolve_db_url(env=airflow2)) == "postgresql://u:p@h:5/db?sslmode=disable"
    split = {k: v for k, v in MWAA_ENV.items() if k != "MWAA__DB__CREDENTIALS"}
    split |= {"MWAA__DB__POSTGRES_USER": "u", "MWAA__DB__POSTGRES_PASSWORD": "p"}
    assert dbconn.resolve_db_url(env=split).startswith("postgresql://u:p@db.internal:5432/")


def test_db_url_errors_say_what_to_set() -> None:
    blocked = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "airflow-db-not-allowed:///"}
    with pytest.raises(ConfigurationError, match="--db-url"):
        dbconn.resolve_db_url(env=blocked)
    with pytest.raises(ConfigurationError, match="MWAA__DB__CREDENTIALS"):
        dbconn.resolve_db_url(env={**MWAA_ENV, "MWAA__DB__CREDENTIALS": "not json"})
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        dbconn.to_libpq("mysql://u@h/db")


def test_fernet_key_from_mwaa_secret_json() -> None:
    key = Fernet.generate_key().decode()
    assert dbconn.resolve_fernet_key(env={"MWAA__CORE__FERNET_KEY": json.dumps({"FernetKey": key})}) == key
    assert dbconn.resolve_fernet_key(env={"AIRFLOW__CORE__FERNET_KEY": key}) == key


def test_fernet_keys_rotate_like_airflow() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Fernet(old.encode()).encrypt(b"secret").decode()
    rotated = FernetKeys(f"{new},{old}")
    assert rotated.decrypt(token) == "secret"  # old tokens still read
    assert Fernet(new.encode()).decrypt(rotated.encrypt("x").encode()) == b"x"  # new ones use the first key
    assert FernetKeys(new).try_decrypt(token) is None
    with pytest.raises(SecretError):
        FernetKeys(new).decrypt(token)
    with pytest.raises(ConfigurationError):
        FernetKeys("not-a-key")


def test_sealed_values_are_bound_to_their_row() -> None:
    sealer = Sealer(b"k" * 32)
    sealed = sealer.seal("p:hunter2", "snap/connection/password/1")
    assert sealed.startswith(SEALED_PREFIX) and "hunter2" not in sealed
    assert sealer.open(sealed, "snap/connection/password/1") == "p:hunter2"
    assert sealer.seal("p:hunter2", "a") != sealer.seal("p:hunter2", "a")  # fresh nonce each time
    with pytest.raises(SecretError, match="moved between rows"):
        sealer.open(sealed, "snap/connection/password/2")
    with pytest.raises(SecretError):
        Sealer(b"x" * 32).open(sealed, "snap/connection/password/1")
    with pytest.raises(SecretError, match="not sealed"):
        sealer.open("gAAAAA-plain-fernet", "a")


@pytest.mark.parametrize("name", ["gzip", "zstd"])
def test_codecs_stream_and_hash(name: str) -> None:
    sink = io.BytesIO()
    comp = codec.Compressor(name, sink)
    payload = b"row\tvalue\n" * 50_000
    for i in range(0, len(payload), 4096):
        comp.write(payload[i:i + 4096])
    comp.close()
    assert comp.raw_bytes == len(payload) and len(sink.getvalue()) < len(payload) // 10
    hashing = codec.HashingReader(io.BytesIO(sink.getvalue()))
    out = codec.decompressor(name, hashing).read()
    hashing.drain()
    assert out == payload and hashing.bytes == len(sink.getvalue())


def _table(name: str, *cols: str, pk: tuple[str, ...] = ("id",), fks: list[ForeignKey] | None = None) -> Table:
    columns = [Column(c, "integer", True, f"{name}_{c}_seq" if c == "id" else None) for c in cols]
    return Table(name, columns, pk, [], fks or [])


def test_dependency_order_puts_parents_first_and_survives_cycles() -> None:
    order = dependency_order(["xcom", "task_instance", "dag_run", "a", "b"],
                             [("dag_run", "task_instance"), ("task_instance", "xcom"), ("a", "b"), ("b", "a")])
    assert order.index("dag_run") < order.index("task_instance") < order.index("xcom")
    assert sorted(order) == sorted(["xcom", "task_instance", "dag_run", "a", "b"])


def test_schema_fingerprint_and_diff() -> None:
    t1 = _table("variable", "id", "key")
    t2 = Table("variable", [*t1.columns, Column("team", "text", False)], ("id",))
    assert fingerprint({"variable": t1.describe()}) != fingerprint({"variable": t2.describe()})
    assert diff({"variable": t1.describe()}, {"variable": t2.describe()}) == ["table variable: team: absent -> text"]
    assert diff({"x": t1.describe()}, {}) == ["table x is missing in the target"]


def test_policy_decisions() -> None:
    tables = {n: _table(n, "id") for n in ("session", "ab_user", "serialized_dag", "dag_version", "xcom", "mine",
                                           "connection", "log_template")}
    af3 = Schema(tables, "rev")
    af2 = Schema({k: v for k, v in tables.items() if k != "dag_version"}, "rev")
    assert not table_rules.table_policy(tables["session"], af3).include
    assert not table_rules.table_policy(tables["ab_user"], af3).include
    assert table_rules.table_policy(tables["serialized_dag"], af3).include  # Airflow 3: task instances point at it
    assert not table_rules.table_policy(tables["serialized_dag"], af2).include
    unknown = table_rules.table_policy(tables["mine"], af3)
    assert unknown.include and not unknown.known  # never silently dropped
    assert dict(table_rules.table_policy(tables["connection"], af3).secrets) == {"password": "is_encrypted",
                                                                                 "extra": "is_extra_encrypted"}
    log_template = table_rules.table_policy(tables["log_template"], af3)
    assert table_rules.identity_keys(_table("log_template", "id", "filename", "elasticsearch_id"),
                                     log_template) == [("filename", "elasticsearch_id")]


def _manifest(**over: Any) -> dict[str, Any]:
    entry = TableEntry("xcom", ["a"], FileEntry("tables/xcom.bin.zst", "zstd", "binary", 3, 10, 30, "ab"))
    doc = Manifest(snapshot_id=new_snapshot_id("full"), kind="full", created_at="t", completed_at="t", source={},
                   pg_snapshot={"xmin": 1, "xmax": 2, "time": "t"}, schema_fingerprint="f", schema={},
                   tables=[entry], excluded={}, secrets=None).to_json()
    return {**doc, **over}


def test_manifest_round_trip_and_refusals() -> None:
    doc = _manifest()
    assert valid_snapshot_id(doc["snapshot_id"]) and not valid_snapshot_id("../../etc")
    assert Manifest.from_json(doc).to_json() == doc
    with pytest.raises(IncompleteSnapshotError, match="format"):
        Manifest.from_json({**doc, "format": "other/9"})
    with pytest.raises(IncompleteSnapshotError, match="moved"):
        Manifest.from_json(doc, expected_id=new_snapshot_id("full"))
    with pytest.raises(IncompleteSnapshotError, match="malformed"):
        Manifest.from_json({k: v for k, v in doc.items() if k != "tables"})
    with pytest.raises(IncompleteSnapshotError, match="parent"):
        Manifest.from_json(_manifest(kind="delta"))


def test_snapshot_ids_sort_by_time() -> None:
    from datetime import UTC, datetime, timedelta

    t = datetime(2026, 1, 1, 12, 0, 0, 1000, tzinfo=UTC)
    ids = [new_snapshot_id("full", t + timedelta(milliseconds=ms)) for ms in (0, 1, 999, 1000)]
    assert sorted(ids) == ids


def test_restore_request_validation() -> None:
    assert jobs.RestoreRequest.from_conf(None) == jobs.RestoreRequest()
    assert jobs.RestoreRequest.from_conf({"snapshot": "x", "strategy": "skip", "in_flight": "rerun"}).strategy == "skip"
    for bad, match in [({"strategy": "all"}, "strategy"), ({"in_flight": "x"}, "in_flight"),
                       ({"dry_run": "yes"}, "dry_run"), ({"snapshot": ""}, "snapshot"), ({"tabel": 1}, "unknown"),
                       ({"backup_url": "backups/x"}, "s3://")]:
        with pytest.raises(ConfigurationError, match=match):
            jobs.RestoreRequest.from_conf(bad)
    assert jobs.task_token_of({"task_token": "t", "strategy": "bogus"}) == "t"  # failure can still be reported


class _FakeSfn:
    def __init__(self, error_code: str | None = None):
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error_code = error_code

    def _call(self, name: str, **kw: Any) -> None:
        self.calls.append((name, kw))
        if self.error_code:
            err = RuntimeError(self.error_code)
            err.response = {"Error": {"Code": self.error_code}}  # type: ignore[attr-defined]
            raise err

    def send_task_success(self, **kw: Any) -> None:
        self._call("success", **kw)

    def send_task_failure(self, **kw: Any) -> None:
        self._call("failure", **kw)


def test_step_functions_answers() -> None:
    sfn = _FakeSfn()
    assert not jobs.notify_step_functions(None, result={}, client=sfn) and not sfn.calls
    assert jobs.notify_step_functions("tok", result={"committed": True}, client=sfn)
    assert jobs.notify_step_functions("tok", error=ValueError("bad conf"), client=sfn)
    assert sfn.calls[0] == ("success", {"taskToken": "tok", "output": '{"committed": true}'})
    assert sfn.calls[1][0] == "failure" and sfn.calls[1][1]["cause"] == "bad conf"
    assert not jobs.notify_step_functions("tok", error="again", client=_FakeSfn("TaskTimedOut"))
    with pytest.raises(RuntimeError):
        jobs.notify_step_functions("tok", result={}, client=_FakeSfn("ThrottlingException"))


def test_dr_settings_from_env() -> None:
    s = jobs.DrSettings.from_env({"AIRFLOW__MWAA_PLATFORM__DR_BACKUP_URL": "s3://b/p",
                                  "MWAA_PLATFORM_DR_KMS_KEY_ID": "alias/dr", "MWAA_PLATFORM_DR_KEEP_FULLS": "3"})
    assert (s.backup_url, s.kms_key_id, s.keep_fulls, s.full_every_hours) == ("s3://b/p", "alias/dr", 3, 24.0)
    with pytest.raises(ConfigurationError, match="MWAA_PLATFORM_DR_BACKUP_URL"):
        jobs.DrSettings.from_env({})


def test_local_replica_maps_only_multi_region_key_arns_from_another_region() -> None:
    mrk = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"
    assert local_replica(mrk, "us-west-2") == mrk.replace("us-east-1", "us-west-2")
    assert local_replica(mrk, "us-east-1") == mrk
    assert local_replica(mrk, None) == mrk
    single = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    assert local_replica(single, "us-west-2") == single  # no replica can exist: KMS says so, clearly
    assert local_replica("alias/dr", "us-west-2") == "alias/dr"


@pytest.mark.emulator
def test_a_snapshot_key_sealed_in_the_primary_unwraps_with_the_replica_in_the_secondary(
        aws_env: dict[str, str]) -> None:
    """What a cross-region restore does: the manifest names the primary's key; the secondary's KMS decrypts."""
    east, west = boto3.client("kms", region_name="us-east-1"), boto3.client("kms", region_name="us-west-2")
    key = east.create_key(MultiRegion=True, Description="dr")["KeyMetadata"]
    arn = key["Arn"]
    east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="us-west-2")
    context = {"snapshot": "s1"}
    sealed = DataKey.generate(arn, context, kms=east)
    assert DataKey.unwrap(sealed.ciphertext_b64, sealed.kms_key_id, context, kms=west).plaintext == sealed.plaintext
    with pytest.raises(SecretError, match="KMS refused"):  # the context is part of what was sealed
        DataKey.unwrap(sealed.ciphertext_b64, sealed.kms_key_id, {"snapshot": "s2"}, kms=west)


def test_policy_for_tables_airflow_3_1_to_3_3_added() -> None:
    names = ("asset_watcher", "task_inlet_asset_reference", "revoked_token", "connection_test_request", "deadline",
             "callback", "hitl_detail", "hitl_detail_history", "dag_favorite", "team", "dag_bundle_team",
             "deadline_alert", "asset_partition_dag_run", "partitioned_asset_key_log", "task_state_store",
             "asset_state_store", "dag_version", "asset", "asset_event", "some_future_table")
    tables = {n: _table(n, "id", "asset_id", "asset_event_id", "asset_partition_dag_run_id") for n in names}
    schema = Schema(tables, "rev")
    decided = {n: table_rules.table_policy(t, schema) for n, t in tables.items()}
    not_copied = {n for n, p in decided.items() if not p.include}
    assert not_copied == {"asset_watcher", "task_inlet_asset_reference", "revoked_token", "connection_test_request"}
    unknown = {n for n, p in decided.items() if not p.known}
    assert unknown == {"some_future_table"}  # copied with the default rules, flagged in the manifest
    assert {n for n, p in decided.items() if p.on_match == "keep"} >= {"team", "dag_bundle_team", "deadline_alert"}
    refs = {(r.table, r.column, r.parent) for r in table_rules.soft_refs(schema)}
    assert ("partitioned_asset_key_log", "asset_event_id", "asset_event") in refs


def test_migration_changes_follow_table_and_column_identity() -> None:
    from mwaa_platform.metadata.crossversion import _Inventory, _TableState, migration_changes

    before = _Inventory({1: _TableState("dataset_event", 5, {1: "id", 2: "dataset_id"}),
                         2: _TableState("dag_run", 9, {1: "id", 2: "execution_date", 3: "old"}),
                         3: _TableState("sla_miss", 4, {1: "task_id"}),
                         4: _TableState("xcom", 7, {1: "value"})})
    after = _Inventory({1: _TableState("asset_event", 5, {1: "id", 2: "asset_id"}),
                        2: _TableState("dag_run", 9, {1: "id", 2: "logical_date", 4: "run_after"}),
                        9: _TableState("xcom", 6, {1: "value"}),
                        10: _TableState("_xcom_archive", 1, {1: "value"})})
    changes = {c["table"] or c["after"]: c for c in migration_changes(before, after)}
    assert changes["dataset_event"]["after"] == "asset_event"
    assert changes["dataset_event"]["columns_renamed"] == ["dataset_id->asset_id"]
    assert changes["dag_run"]["columns_renamed"] == ["execution_date->logical_date"]
    assert changes["dag_run"]["columns_dropped"] == ["old"] and changes["dag_run"]["columns_added"] == ["run_after"]
    assert changes["sla_miss"]["after"] is None and changes["sla_miss"]["rows_before"] == 4
    assert changes["xcom"]["change"] == "table recreated by the migration" and changes["xcom"]["rows_after"] == 6
    assert changes["_xcom_archive"]["change"] == "table created by the migration"


def test_scratch_url_and_redaction() -> None:
    from mwaa_platform.metadata import migrate

    url = "postgresql://airflow:p%40ss@db.internal:5432/airflow?sslmode=require"
    assert migrate.with_database(url, "mp_xv_1") == "postgresql://airflow:p%40ss@db.internal:5432/mp_xv_1?sslmode=require"
    assert migrate._sqlalchemy_url(url).startswith("postgresql+psycopg2://")
    assert "p@ss" not in migrate._redact("could not connect with p@ss and p%40ss", url)
    env = migrate.Airflow("python", "KEY", "home-dir").env(url)
    assert env["AIRFLOW__CORE__FERNET_KEY"] == "KEY"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("/airflow?sslmode=require")


def test_lenient_load_casts_only_differing_types() -> None:
    from mwaa_platform.metadata.errors import SchemaMismatchError
    from mwaa_platform.metadata.restore import _lenient_casts

    target = Table("task_instance", [Column("id", "integer", True), Column("next_kwargs", "jsonb", False)], ("id",))
    manifest = Manifest("s", "full", "", "", {}, {}, "", {"task_instance": {
        "columns": [["id", "integer", True], ["next_kwargs", "json", False]], "primary_key": ["id"]},
        "sla_miss": {"columns": [["x", "integer", True]], "primary_key": []}}, [], {}, None)
    assert _lenient_casts(Schema({"task_instance": target}, "r"), manifest) == {
        "task_instance": {"next_kwargs": ("json", "jsonb")}}
    manifest.schema["task_instance"]["columns"][1][1] = "json); DROP TABLE x; --"
    with pytest.raises(SchemaMismatchError):
        _lenient_casts(Schema({"task_instance": target}, "r"), manifest)


def test_same_revision_built_by_a_downgrade_restores_with_casts_and_says_so() -> None:
    """Airflow's 3.x -> 2.11 downgrade leaves dag.last_pickled without time zone and composite primary keys in
    another order than a fresh 2.11 install: same revision, same columns, restored with casts (the in-place
    upgrade rollback's restore point failed on this before)."""
    from mwaa_platform.metadata.errors import SchemaMismatchError
    from mwaa_platform.metadata.report import RestoreReport
    from mwaa_platform.metadata.restore import _check_compatible

    def manifest(revision: str) -> Manifest:
        return Manifest("s", "full", "", "", {"alembic_revision": revision}, {}, "", {
            "dag": {"columns": [["dag_id", "character varying(250)", True],
                                ["last_pickled", "timestamp with time zone", False]], "primary_key": ["dag_id"]},
            "task_instance": {"columns": [["dag_id", "character varying(250)", True],
                                          ["task_id", "character varying(250)", True]],
                              "primary_key": ["dag_id", "task_id"]}}, [], {}, None)

    downgraded = Schema({
        "dag": Table("dag", [Column("dag_id", "character varying(250)", True),
                             Column("last_pickled", "timestamp without time zone", False)], ("dag_id",)),
        "task_instance": Table("task_instance", [Column("dag_id", "character varying(250)", True),
                                                 Column("task_id", "character varying(250)", True)],
                               ("task_id", "dag_id")),
    }, "5f2621c13b39")
    report = RestoreReport("s", ["s"], "skip", "keep")
    casts = _check_compatible(downgraded, manifest("5f2621c13b39"), report)
    assert casts == {"dag": {"last_pickled": ("timestamp with time zone", "timestamp without time zone")}}
    assert any("another migration chain" in n for n in report.table("dag").notes)
    assert any("another migration chain" in n for n in report.table("task_instance").notes)
    with pytest.raises(SchemaMismatchError, match="revision"):
        _check_compatible(downgraded, manifest("other"), report)
    downgraded.tables["dag"].columns.append(Column("team", "text", False))
    with pytest.raises(SchemaMismatchError, match="differs"):
        _check_compatible(downgraded, manifest("5f2621c13b39"), report)
