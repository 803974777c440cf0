"""Snapshot writer: every table read in ONE database snapshot, streamed, compressed, uploaded; manifest last.

One REPEATABLE READ, READ ONLY transaction opens the snapshot and exports it (``pg_export_snapshot``); each
parallel reader imports it (``SET TRANSACTION SNAPSHOT``), so all tables show the same instant however long
the copy takes, and nothing written afterwards (a run finishing mid-backup) leaks into part of the tables.
Tables stream ``COPY ... TO STDOUT (FORMAT binary)`` -> compressor -> S3 multipart upload: memory stays at
about one part per reader. The secret tables (connection, variable, trigger) go through Python instead,
where their secret columns are Fernet-decrypted and sealed under the snapshot's KMS data key.

Delta mode exports only rows whose transaction id (``xmin``) is not older than the parent snapshot's
``xmin`` horizon (a superset of what changed: never less), plus each table's key set so that restore can
drop rows deleted since the parent.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg2 import extensions
from psycopg2 import sql as psql

from mwaa_platform.metadata import catalog, codec, copyfmt, dbconn, objectstore, table_rules
from mwaa_platform.metadata.crypto import DataKey, FernetKeys, Sealer
from mwaa_platform.metadata.errors import ConfigurationError, MetadataError
from mwaa_platform.metadata.manifest import MANIFEST, FileEntry, Manifest, TableEntry, new_snapshot_id
from mwaa_platform.metadata.schema import Schema, Table, fingerprint, reflect

log = logging.getLogger("mwaa_platform.metadata")

SECRET_CONTEXT_PURPOSE = "airflow-metadata-secrets"  # noqa: S105 - a label, not a secret
INTEGER_TYPES = ("integer", "bigint", "smallint")
# a delta needs the parent's xmin within 2^31 transactions (32-bit xmin on disk); far below that: take a full
MAX_DELTA_XID_AGE = 1_500_000_000


@dataclass
class BackupOptions:
    location: objectstore.Location
    kms_key_id: str
    kind: str = "full"                       # full | delta
    parent: str | None = None                # delta: parent snapshot id (default: the latest complete one)
    codec: str = field(default_factory=codec.default_codec)
    workers: int = 2
    dr_dag_ids: tuple[str, ...] = table_rules.DEFAULT_DR_DAG_IDS
    exclude_tables: tuple[str, ...] = ()
    part_size: int = 8 * 1024 * 1024
    airflow_version: str | None = None


def secret_context(snapshot_id: str) -> dict[str, str]:
    return {"mwaa-platform:purpose": SECRET_CONTEXT_PURPOSE, "mwaa-platform:snapshot": snapshot_id}


def _airflow_version() -> str | None:
    import os
    from importlib import metadata

    try:
        return metadata.version("apache-airflow")
    except metadata.PackageNotFoundError:
        return os.environ.get("AIRFLOW_VERSION") or None


def _ident(*names: str) -> psql.Composable:
    return psql.SQL(", ").join(psql.Identifier(n) for n in names)


@dataclass
class _Plan:
    """What to read, decided once inside the snapshot."""

    snapshot_id: str
    schema: Schema
    tables: list[Table]
    policies: dict[str, table_rules.TablePolicy]
    excluded: dict[str, str]
    filters: dict[str, psql.Composable]
    xid_condition: psql.Composable | None   # delta: rows changed since the parent
    data_key: DataKey
    fernet: FernetKeys
    options: BackupOptions
    s3: Any
    undecryptable: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.sealer: Sealer = self.data_key.sealer()


def _dr_filters(cur: Any, schema: Schema, dr_dag_ids: tuple[str, ...]) -> dict[str, psql.Composable]:
    """WHERE clauses that leave out the DR DAGs' own rows (an in-flight backup must not be restored as work)."""
    if not dr_dag_ids or "dag_run" not in schema:
        return {}
    cur.execute("SELECT EXISTS (SELECT 1 FROM dag_run WHERE dag_id = ANY(%s))"
                " OR EXISTS (SELECT 1 FROM dag WHERE dag_id = ANY(%s))", (list(dr_dag_ids), list(dr_dag_ids)))
    if not cur.fetchone()[0]:
        return {}
    ids = psql.Literal(list(dr_dag_ids))
    out: dict[str, psql.Composable] = {}
    for table in schema.tables.values():
        if table.has("dag_id"):
            out[table.name] = psql.SQL("(dag_id IS NULL OR NOT dag_id = ANY({}))").format(ids)
    for table in schema.tables.values():
        if table.name in out:
            continue
        for fk in table.foreign_keys:
            parent = schema.tables.get(fk.parent)
            if parent is not None and parent.has("dag_id"):
                match = psql.SQL(" AND ").join(
                    psql.SQL("p.{} = t.{}").format(psql.Identifier(pc), psql.Identifier(c))
                    for c, pc in zip(fk.columns, fk.parent_columns, strict=True))
                out[table.name] = psql.SQL("NOT EXISTS (SELECT 1 FROM {} p WHERE {} AND p.dag_id = ANY({}))").format(
                    psql.Identifier(parent.name), match, ids)
                break
    return out


def _xid_condition(cur: Any, parent: Manifest) -> psql.Composable:
    cur.execute("SELECT txid_snapshot_xmax(txid_current_snapshot())")
    current = int(cur.fetchone()[0])
    horizon = int(parent.pg_snapshot["xmin"])
    if current - horizon > MAX_DELTA_XID_AGE:
        raise MetadataError(f"parent snapshot {parent.snapshot_id} is too many transactions old for a delta;"
                            " take a full backup (--kind full)")
    epoch_base = (current >> 32) << 32
    # full 64-bit xid of the row version from its 32-bit xmin, relative to the current epoch
    full = psql.SQL("({eb} + t.xmin::text::bigint - CASE WHEN {eb} + t.xmin::text::bigint > {cur} "
                    "THEN 4294967296 ELSE 0 END)").format(eb=psql.Literal(epoch_base), cur=psql.Literal(current))
    return psql.SQL("{} >= {}").format(full, psql.Literal(horizon))


def _where(*conds: psql.Composable | None) -> psql.Composable:
    present = [c for c in conds if c is not None]
    if not present:
        return psql.SQL("")
    return psql.SQL(" WHERE ") + psql.SQL(" AND ").join(present)


def _stream_copy(cur: Any, plan: _Plan, query: psql.Composable, key: str, fmt: str) -> FileEntry:
    opts = plan.options
    suffix = f"{'bin' if fmt == 'binary' else 'txt'}.{codec.SUFFIX[opts.codec]}"
    rel = f"{key}.{suffix}"
    writer = objectstore.MultipartWriter(plan.s3, opts.location.bucket,
                                         opts.location.key(plan.snapshot_id, rel), opts.part_size)
    comp = codec.Compressor(opts.codec, writer)
    try:
        cur.copy_expert(psql.SQL("COPY ({}) TO STDOUT (FORMAT {})").format(query, psql.SQL(fmt)).as_string(cur), comp)
        rows = cur.rowcount
        comp.close()
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return FileEntry(rel, opts.codec, fmt, rows, writer.bytes, comp.raw_bytes, writer.sha256.hexdigest())


def _export_plain(cur: Any, plan: _Plan, table: Table) -> TableEntry:
    cols = table.column_names
    select = psql.SQL("SELECT {} FROM {} t").format(_ident(*cols), psql.Identifier(table.name))
    flt = plan.filters.get(table.name)
    mode, keyset, keyset_kind = "full", None, None
    if plan.xid_condition is not None and table.primary_key:
        mode = "changed"
        data = _stream_copy(cur, plan, select + _where(plan.xid_condition, flt), f"tables/{table.name}", "binary")
        keyset, keyset_kind = _export_keyset(cur, plan, table, flt)
    else:
        data = _stream_copy(cur, plan, select + _where(flt), f"tables/{table.name}", "binary")
    return TableEntry(table.name, cols, data, mode, keyset, keyset_kind, plan.policies[table.name].known)


def _export_keyset(cur: Any, plan: _Plan, table: Table, flt: psql.Composable | None) -> tuple[FileEntry, str]:
    pk = table.primary_key
    col = table.column(pk[0])
    if len(pk) == 1 and col is not None and col.type in INTEGER_TYPES:
        # islands of consecutive ids: a few rows even for millions of keys
        query = psql.SQL(
            "SELECT min(k), max(k) FROM (SELECT t.{c} AS k, t.{c} - row_number() OVER (ORDER BY t.{c}) AS g "
            "FROM {t} t{w}) s GROUP BY g ORDER BY 1").format(c=psql.Identifier(pk[0]),
                                                             t=psql.Identifier(table.name), w=_where(flt))
        return _stream_copy(cur, plan, query, f"keys/{table.name}", "binary"), "ranges"
    query = psql.SQL("SELECT {} FROM {} t{}").format(_ident(*pk), psql.Identifier(table.name), _where(flt))
    return _stream_copy(cur, plan, query, f"keys/{table.name}", "binary"), "keys"


def _export_secret_table(conn: Any, plan: _Plan, table: Table) -> TableEntry:
    """Read as text in Python, replace secret columns by sealed plaintext, write COPY text format."""
    sealer = plan.sealer
    pol = plan.policies[table.name]
    cols = table.column_names
    pk = list(table.primary_key or cols)
    secret_cols = [(c, flag) for c, flag in pol.secrets if c in cols]
    select = psql.SQL("SELECT {} FROM {} t{}").format(
        psql.SQL(", ").join(psql.SQL("{}::text").format(psql.Identifier(c)) for c in cols),
        psql.Identifier(table.name), _where(plan.filters.get(table.name)))
    opts = plan.options
    rel = f"tables/{table.name}.txt.{codec.SUFFIX[opts.codec]}"
    writer = objectstore.MultipartWriter(plan.s3, opts.location.bucket, opts.location.key(plan.snapshot_id, rel),
                                         opts.part_size)
    comp = codec.Compressor(opts.codec, writer)
    index = {c: i for i, c in enumerate(cols)}
    rows = undecryptable = 0
    try:
        with conn.cursor(name=f"secret_{table.name}") as cur:
            cur.itersize = 2000
            cur.execute(select)
            for raw in cur:
                values = list(raw)
                pk_text = "|".join(str(values[index[c]]) for c in pk)
                for col, flag in secret_cols:
                    value = values[index[col]]
                    if value is None:
                        continue
                    encrypted = values[index[flag]] == "true" if flag else True
                    if encrypted:
                        plain = plan.fernet.try_decrypt(value)
                        # undecryptable in the source too: carried as-is, it stays exactly as broken as it was
                        payload = "p:" + plain if plain is not None else "r:" + value
                        undecryptable += plain is None
                    else:
                        payload = "p:" + value
                    values[index[col]] = sealer.seal(payload, f"{plan.snapshot_id}/{table.name}/{col}/{pk_text}")
                comp.write(copyfmt.format_row(values))
                rows += 1
        comp.close()
        writer.close()
    except BaseException:
        writer.abort()
        raise
    if undecryptable:
        with plan.lock:
            plan.undecryptable[table.name] = undecryptable
    data = FileEntry(rel, opts.codec, "text", rows, writer.bytes, comp.raw_bytes, writer.sha256.hexdigest())
    return TableEntry(table.name, cols, data, "full", None, None, pol.known)


def _export(conn: Any, plan: _Plan, table: Table) -> TableEntry:
    t0 = time.monotonic()
    if plan.policies[table.name].secrets:
        entry = _export_secret_table(conn, plan, table)
    else:
        with conn.cursor() as cur:
            entry = _export_plain(cur, plan, table)
    entry.seconds = round(time.monotonic() - t0, 3)
    log.info("backed up %s: %d rows, %d bytes in %.2fs", table.name, entry.data.rows, entry.data.bytes, entry.seconds)
    return entry


def _reader(db_url: str, snapshot: str) -> Any:
    conn = dbconn.connect(db_url, application_name="mwaa-platform-metadata-backup")
    conn.set_session(isolation_level=extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    with conn.cursor() as cur:
        cur.execute("SET TRANSACTION SNAPSHOT %s", (snapshot,))
    return conn


def backup(db_url: str, fernet_keys: str | None, options: BackupOptions,
           on_snapshot_open: Callable[[dict[str, Any]], None] | None = None, kms: Any = None) -> Manifest:
    """Take one snapshot of the metadata database into ``options.location``; returns its manifest."""
    if options.kind not in ("full", "delta"):
        raise ConfigurationError("--kind must be full or delta")
    if not options.kms_key_id:
        raise ConfigurationError("a KMS key for the secrets envelope is required (--kms-key-id or "
                                 "MWAA_PLATFORM_DR_KMS_KEY_ID): secrets never go to S3 in plaintext")
    codec.check(options.codec)
    s3 = objectstore.s3_client()
    parent: Manifest | None = None
    if options.kind == "delta":
        parent = catalog.load_for_delta(s3, options.location, options.parent)
    snapshot_id = new_snapshot_id(options.kind)
    created_at = datetime.now(UTC).isoformat()
    main = dbconn.connect(db_url, application_name="mwaa-platform-metadata-backup")
    readers: list[Any] = []
    try:
        main.set_session(isolation_level=extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        with main.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot(), txid_snapshot_xmin(txid_current_snapshot()),"
                        " txid_snapshot_xmax(txid_current_snapshot()), now(), current_setting('server_version')")
            exported, xmin, xmax, snap_time, server_version = cur.fetchone()
            schema = reflect(cur)
            plan = _make_plan(cur, snapshot_id, schema, options, parent, fernet_keys, s3, kms)
        pg_snapshot = {"xmin": int(xmin), "xmax": int(xmax), "time": snap_time.isoformat()}
        if on_snapshot_open is not None:
            on_snapshot_open({"snapshot_id": snapshot_id, "pg_snapshot": pg_snapshot})
        readers = [_reader(db_url, exported) for _ in range(max(1, options.workers))]
        entries = _run_exports(plan, readers)
        if parent is not None:
            _check_same_schema(parent, plan)
        manifest = Manifest(
            snapshot_id=snapshot_id, kind=options.kind, created_at=created_at,
            completed_at=datetime.now(UTC).isoformat(),
            source={"database": dbconn.describe(db_url),
                    "airflow_version": options.airflow_version or _airflow_version(),
                    "alembic_revision": schema.alembic_revision, "server_version": server_version},
            pg_snapshot=pg_snapshot, schema_fingerprint=fingerprint(_described(plan)), schema=_described(plan),
            tables=sorted(entries, key=lambda e: e.name), excluded=plan.excluded,
            secrets=_secrets_doc(plan), options={"codec": options.codec, "dr_dag_ids": list(options.dr_dag_ids),
                                                  "dr_rows_filtered": bool(plan.filters)},
            parent=parent.snapshot_id if parent else None,
            base=(parent.base or parent.snapshot_id) if parent else snapshot_id,
        )
        objectstore.put_json(s3, options.location.bucket, options.location.key(snapshot_id, MANIFEST),
                             manifest.to_json(), create_only=True)
        log.info("snapshot %s complete: %d tables, %d rows, %d bytes", snapshot_id, len(entries),
                 manifest.total_rows, manifest.total_bytes)
        return manifest
    except BaseException:
        _discard(s3, options.location, snapshot_id)
        raise
    finally:
        for conn in [*readers, main]:
            try:
                conn.rollback()
                conn.close()
            except Exception:  # noqa: S110 - closing after an error: nothing more to do
                pass


def _make_plan(cur: Any, snapshot_id: str, schema: Schema, options: BackupOptions, parent: Manifest | None,
               fernet_keys: str | None, s3: Any, kms: Any) -> _Plan:
    policies = {name: table_rules.table_policy(t, schema) for name, t in schema.tables.items()}
    excluded = {n: p.reason for n, p in policies.items() if not p.include}
    for name in options.exclude_tables:
        if name in schema.tables:
            excluded[name] = "excluded by --exclude-table"
    tables = [t for n, t in schema.tables.items() if n not in excluded]
    if not any(t.name == "dag_run" for t in tables):
        raise MetadataError("this database has no dag_run table: is it an Airflow metadata database?")
    # biggest first so the readers finish together
    cur.execute("SELECT c.relname, c.relpages FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")
    pages = dict(cur.fetchall())
    tables.sort(key=lambda t: (-int(pages.get(t.name, 0)), t.name))
    data_key = DataKey.generate(options.kms_key_id, secret_context(snapshot_id), kms=kms)
    return _Plan(
        snapshot_id=snapshot_id, schema=schema, tables=tables, policies=policies, excluded=excluded,
        filters=_dr_filters(cur, schema, options.dr_dag_ids),
        xid_condition=_xid_condition(cur, parent) if parent else None,
        data_key=data_key, fernet=FernetKeys(fernet_keys), options=options, s3=s3,
    )


def _secrets_doc(plan: _Plan) -> dict[str, Any]:
    return {"kms_key_id": plan.data_key.kms_key_id, "encryption_context": plan.data_key.context,
            "data_key": plan.data_key.ciphertext_b64, "cipher": "AES-256-GCM",
            "undecryptable_in_source": plan.undecryptable}


def _described(plan: _Plan) -> dict[str, dict[str, Any]]:
    return {t.name: t.describe() for t in plan.tables if plan.policies[t.name].known}


def _check_same_schema(parent: Manifest, plan: _Plan) -> None:
    if parent.schema_fingerprint != fingerprint(_described(plan)):
        raise MetadataError(f"the schema changed since parent snapshot {parent.snapshot_id} (Airflow upgraded?):"
                            " take a full backup (--kind full)")


def _run_exports(plan: _Plan, readers: list[Any]) -> list[TableEntry]:
    pool: queue.Queue[Any] = queue.Queue()
    for conn in readers:
        pool.put(conn)
    stop = threading.Event()

    def job(table: Table) -> TableEntry | None:
        if stop.is_set():
            return None
        conn = pool.get()
        try:
            return _export(conn, plan, table)
        except BaseException:
            stop.set()
            raise
        finally:
            pool.put(conn)

    with ThreadPoolExecutor(max_workers=len(readers), thread_name_prefix="mp-backup") as ex:
        futures = [ex.submit(job, t) for t in plan.tables]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in done:
            if f.exception() is not None:
                stop.set()
                for other in futures:
                    other.cancel()
                raise f.exception()  # type: ignore[misc]
        results = [f.result() for f in futures]
    return [r for r in results if r is not None]


def _discard(s3: Any, location: objectstore.Location, snapshot_id: str) -> None:
    """Remove a partial snapshot (best effort: without a manifest it is never listed or restored anyway)."""
    try:
        objectstore.delete_prefix(s3, location.bucket, location.key(snapshot_id) + "/")
    except Exception as exc:
        log.warning("could not remove partial snapshot %s: %s", snapshot_id, exc)
