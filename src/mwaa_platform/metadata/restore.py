"""Restore executor: a snapshot (or base + deltas) into a live Airflow database, in ONE transaction.

Per table, in foreign-key order:

* **fast path** - the target table is empty and nothing needs rewriting: ``COPY ... FROM STDIN (FORMAT
  binary)`` straight into it, ids preserved (secondary indexes of big tables are dropped and rebuilt inside
  the transaction, as pg_restore does);
* **merge path** - otherwise: COPY into a temporary stage, rewrite references to parents whose ids changed,
  apply the in-flight policy and re-encrypt secrets, recognise rows the target already has (its unique keys,
  or the whole row when a table has none), then per the conflict strategy replace or keep those and insert
  the rest. A snapshot row whose id is taken by an unrelated target row gets a fresh id; children follow.

Sequences are advanced past the restored ids, DAGs get the snapshot's ``is_paused``, and everything commits
together or not at all. Running the same restore again finds every row already there: nothing changes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from psycopg2 import sql as psql

from mwaa_platform.metadata import catalog, codec, copyfmt, dbconn, objectstore, table_rules
from mwaa_platform.metadata.crypto import DataKey, FernetKeys, Sealer
from mwaa_platform.metadata.errors import (
    ConfigurationError,
    IncompleteSnapshotError,
    RestoreFailedError,
    SchemaMismatchError,
)
from mwaa_platform.metadata.manifest import FileEntry, Manifest, TableEntry
from mwaa_platform.metadata.report import RestoreReport, TableReport
from mwaa_platform.metadata.schema import Schema, Table, bulk_load_ddl, dependency_order, diff, reflect

log = logging.getLogger("mwaa_platform.metadata")
Progress = Callable[[str], None]
_TYPE_RE = re.compile(r"^[a-z][a-z0-9 _(),\[\]]*$")  # what format_type() prints for Airflow's columns
I = psql.Identifier  # noqa: E741 - reads as the SQL it builds
S = psql.SQL


@dataclass
class RestoreOptions:
    location: objectstore.Location
    snapshot_id: str
    strategy: table_rules.Strategy = "replace"
    in_flight: table_rules.InFlight = "keep"
    dry_run: bool = False
    lock_timeout_s: int = 60
    bulk_load_rows: int = 50_000
    # cross-version restore (crossversion.py): the target's Airflow and where the scratch database goes
    airflow_python: str | None = None    # a Python that imports the target's Airflow (default: this one)
    scratch_db_url: str | None = None    # an empty database to migrate in (default: CREATE DATABASE next to it)
    keep_scratch: bool = False


def _cols(names: list[str] | tuple[str, ...], alias: str | None = None) -> psql.Composable:
    if alias:
        return S(", ").join(S("{}.{}").format(I(alias), I(n)) for n in names)
    return S(", ").join(I(n) for n in names)


def _eq(left: str, right: str, names: tuple[str, ...] | list[str]) -> psql.Composable:
    return S(" AND ").join(S("{}.{} = {}.{}").format(I(left), I(n), I(right), I(n)) for n in names)


class _Chunks:
    """File-like ``read(n)`` over an iterator of byte chunks (feeds COPY FROM STDIN)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buf = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def readline(self, size: int = -1) -> bytes:  # pragma: no cover - psycopg2 uses read()
        return self.read(size)


def _lines(reader: Any) -> Iterator[bytes]:
    rest = b""
    while True:
        chunk = reader.read(1 << 16)
        if not chunk:
            break
        rest += chunk
        *complete, rest = rest.split(b"\n")
        for line in complete:
            yield line + b"\n"
    if rest:
        yield rest


@dataclass
class _Ctx:
    cur: Any
    s3: Any
    loc: objectstore.Location
    chain: list[Manifest]
    schema: Schema
    policies: dict[str, table_rules.TablePolicy]
    restored: set[str]
    options: RestoreOptions
    fernet: FernetKeys
    report: RestoreReport
    kms: Any = None
    maps: dict[str, bool] = field(default_factory=dict)       # table -> has a non-empty id map temp table
    lossy: set[str] = field(default_factory=set)              # tables where snapshot rows were not restored
    sealers: dict[str, Sealer] = field(default_factory=dict)
    stage_seq: int = 0
    source: Any = None                                        # table data from a database instead of S3
    casts: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def final(self) -> Manifest:
        return self.chain[-1]

    def sealer(self, manifest: Manifest) -> Sealer:
        if manifest.snapshot_id not in self.sealers:
            if not manifest.secrets:
                raise IncompleteSnapshotError(f"snapshot {manifest.snapshot_id} has secret tables but no data key")
            key = DataKey.unwrap(manifest.secrets["data_key"], manifest.secrets["kms_key_id"],
                                 manifest.secrets["encryption_context"], kms=self.kms)
            self.sealers[manifest.snapshot_id] = key.sealer()
        return self.sealers[manifest.snapshot_id]


def restore(db_url: str, fernet_keys: str | None, options: RestoreOptions, kms: Any = None,
            progress: Progress | None = None) -> RestoreReport:
    """Restore ``options.snapshot_id`` (with its chain) into the database at ``db_url``.

    A snapshot of another schema revision goes through :mod:`crossversion` (Airflow's own migrations).
    """
    if options.strategy not in table_rules.STRATEGIES:
        raise ConfigurationError(f"--strategy must be one of {', '.join(table_rules.STRATEGIES)}")
    if options.in_flight not in table_rules.IN_FLIGHT_POLICIES:
        raise ConfigurationError(f"--in-flight must be one of {', '.join(table_rules.IN_FLIGHT_POLICIES)}")
    s3 = objectstore.s3_client()
    chain = catalog.chain(s3, options.location, options.snapshot_id)
    checked = catalog.verify(s3, options.location, options.snapshot_id)
    if not checked.ok:
        raise IncompleteSnapshotError("snapshot is not restorable: " + "; ".join(checked.problems))
    src_rev = chain[-1].source.get("alembic_revision")
    target_rev = target_revision(db_url)
    if src_rev and target_rev and src_rev != target_rev:
        from mwaa_platform.metadata import crossversion

        return crossversion.restore_across(db_url, fernet_keys, options, chain, s3, kms=kms, progress=progress)
    return restore_chain(db_url, fernet_keys, options, chain, s3, kms=kms)


def target_revision(db_url: str) -> str | None:
    """The alembic revision of the database at ``db_url`` (None: not an Airflow database yet)."""
    conn = dbconn.connect(db_url, application_name="mwaa-platform-metadata-restore")
    try:
        cur = conn.cursor()
        cur.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT version_num FROM alembic_version")
        row = cur.fetchone()
        return str(row[0]) if row else None
    finally:
        conn.close()


def restore_chain(db_url: str, fernet_keys: str | None, options: RestoreOptions, chain: list[Manifest], s3: Any,
                  kms: Any = None, source: Any = None, lenient: bool = False) -> RestoreReport:
    """Restore a verified chain in one transaction. ``source``: where table data comes from instead of S3
    (an object with ``open(key) -> binary file``; used for the migrated scratch database). ``lenient``: the
    target's column types may differ from the snapshot's (cast on load; a table it lacks is reported absent).
    """
    t0 = time.monotonic()
    report = RestoreReport(options.snapshot_id, [m.snapshot_id for m in chain], options.strategy,
                           options.in_flight, dry_run=options.dry_run)
    fernet = FernetKeys(fernet_keys)
    conn = dbconn.connect(db_url, application_name="mwaa-platform-metadata-restore")
    try:
        cur = conn.cursor()
        cur.execute("SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', '0', true),"
                    " set_config('maintenance_work_mem', '128MB', true), set_config('TimeZone', 'UTC', true)",
                    (f"{options.lock_timeout_s}s",))
        schema = reflect(cur)
        casts = _lenient_casts(schema, chain[-1]) if lenient else _check_compatible(schema, chain[-1], report)
        policies = {n: table_rules.table_policy(t, schema) for n, t in schema.tables.items()}
        has_secrets = any(e.data.rows for m in chain for e in m.tables if e.name in policies
                          and policies[e.name].secrets)
        if has_secrets and not fernet.configured:
            raise ConfigurationError("the target environment has no Fernet key (AIRFLOW__CORE__FERNET_KEY): "
                                     "connections, variables and triggers cannot be re-encrypted")
        ctx = _Ctx(cur, s3, options.location, chain, schema, policies, set(), options, fernet, report, kms,
                   source=source, casts=casts)
        _run(ctx)
        if options.dry_run:
            conn.rollback()
        else:
            conn.commit()
            report.committed = True
    except Exception as exc:
        conn.rollback()
        report.error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        for t in report.tables:
            if t.state == "success":
                t.state = "rolled_back"
        report.seconds = round(time.monotonic() - t0, 3)
        if isinstance(exc, (SchemaMismatchError, ConfigurationError, IncompleteSnapshotError)):
            raise
        failed = RestoreFailedError(f"restore rolled back, the target is unchanged: {report.error}")
        failed.report = report  # type: ignore[attr-defined]
        raise failed from exc
    finally:
        conn.close()
    report.seconds = round(time.monotonic() - t0, 3)
    return report


def _check_compatible(schema: Schema, manifest: Manifest,
                      report: RestoreReport | None = None) -> dict[str, dict[str, tuple[str, str]]]:
    """Same revision, same schema: nothing to cast. Same revision built by another migration chain (Airflow's own
    downgrade from 3.x leaves e.g. ``dag.last_pickled`` without time zone and composite primary keys in another
    column order than a fresh install of the same version): the same tables and columns, so the values are cast
    to the target's types (as the cross-version path does) and each such table notes it. Anything else: refused."""
    src_rev = manifest.source.get("alembic_revision")
    if src_rev and schema.alembic_revision and src_rev != schema.alembic_revision:
        raise SchemaMismatchError(
            f"snapshot is from schema revision {src_rev} (Airflow {manifest.source.get('airflow_version') or '?'}),"
            f" the target is at {schema.alembic_revision}: restore into an environment of the same Airflow version")
    actual = {name: schema.tables[name].describe() for name in manifest.schema if name in schema.tables}
    problems = diff(manifest.schema, actual)
    if not problems:
        return {}
    same_columns = set(actual) == set(manifest.schema) and all(
        sorted(c[0] for c in manifest.schema[n]["columns"]) == sorted(c[0] for c in actual[n]["columns"])
        for n in actual)
    if not (src_rev and same_columns):
        raise SchemaMismatchError("target schema differs from the snapshot's: " + "; ".join(problems))
    casts = _lenient_casts(schema, manifest)
    if report is not None:
        for name in sorted(n for n in actual if actual[n] != manifest.schema[n]):
            report.table(name).notes.append(
                "target built by another migration chain at the same revision (e.g. Airflow's downgrade): "
                + "; ".join(p for p in diff({name: manifest.schema[name]}, {name: actual[name]}))
                + " (values cast to the target's types)")
    log.warning("same revision, schema built by another migration chain: %s", "; ".join(problems))
    return casts


def _lenient_casts(schema: Schema, manifest: Manifest) -> dict[str, dict[str, tuple[str, str]]]:
    """Per table, the columns whose type in the target differs from the snapshot's: (snapshot type, target
    type). The same revision built by another Airflow's migration chain differs in a few types (e.g. json vs
    jsonb, timestamp vs timestamptz); values are loaded with the snapshot's types and cast."""
    casts: dict[str, dict[str, tuple[str, str]]] = {}
    for name, described in manifest.schema.items():
        table = schema.tables.get(name)
        if table is None:
            continue
        for col_name, col_type, _not_null in described["columns"]:
            col = table.column(col_name)
            if col is not None and col.type != col_type:
                if not (_TYPE_RE.match(col_type) and _TYPE_RE.match(col.type)):
                    raise SchemaMismatchError(f"table {name}.{col_name}: unexpected type {col_type!r}")
                casts.setdefault(name, {})[col_name] = (col_type, col.type)
    return casts


def _entries(ctx: _Ctx, name: str) -> list[tuple[Manifest, TableEntry]]:
    out = []
    for manifest in ctx.chain:
        entry = manifest.table(name)
        if entry is None:
            raise IncompleteSnapshotError(f"table {name} is missing from {manifest.snapshot_id} in the chain")
        out.append((manifest, entry))
    return out


def _run(ctx: _Ctx) -> None:
    names = [t.name for t in ctx.final.tables]
    for entry in ctx.final.tables:
        target = ctx.schema.tables.get(entry.name)
        if target is None or not target.has(*entry.columns):
            rep = ctx.report.table(entry.name)
            rep.state, rep.path, rep.rows_in_snapshot = "absent", "-", entry.data.rows
            rep.notes.append("table not in the target (or different columns): not restored")
            names.remove(entry.name)
    ctx.restored = set(names)
    edges = [(fk.parent, t) for t in names for fk in ctx.schema.tables[t].foreign_keys]
    edges += [(r.parent, r.table) for r in table_rules.soft_refs(ctx.schema)]
    for name in dependency_order(names, edges):
        rep = ctx.report.table(name)
        t0 = time.monotonic()
        try:
            _restore_table(ctx, ctx.schema.tables[name], rep)
        except Exception:
            rep.state = "failed"
            rep.seconds = round(time.monotonic() - t0, 3)
            raise
        rep.state = "success"
        rep.seconds = round(time.monotonic() - t0, 3)
        log.info("restored %s (%s): %s in %.2fs", name, rep.path, rep.counts(), rep.seconds)
    _advance_sequences(ctx)
    for name, reason in ctx.final.excluded.items():
        rep = ctx.report.table(name)
        rep.state, rep.path = "excluded", "-"
        rep.notes.append(reason)


# ---- reading snapshot files ------------------------------------------------------------------------------

def _load(ctx: _Ctx, relation: str, table: Table, manifest: Manifest, entry: TableEntry,
          f: FileEntry | None = None, columns: list[str] | None = None) -> int:
    f = f or entry.data
    columns = columns or entry.columns
    casts = ctx.casts.get(table.name) if f is entry.data else None
    into = relation
    if casts:  # a typed landing table with the snapshot's column types, then cast into the relation
        into = "mp_raw"
        types = {c[0]: c[1] for c in manifest.schema[table.name]["columns"]}
        ctx.cur.execute(S("CREATE TEMP TABLE mp_raw ({}) ON COMMIT DROP").format(
            S(", ").join(S("{} {}").format(I(c), S(types[c])) for c in columns)))
    copy = S("COPY {} ({}) FROM STDIN (FORMAT {})").format(I(into), _cols(columns), S(f.format))
    if ctx.source is not None:
        ctx.cur.copy_expert(copy.as_string(ctx.cur), ctx.source.open(f.key), size=1 << 20)
        rows = int(ctx.cur.rowcount)
    else:
        body = objectstore.open_stream(ctx.s3, ctx.loc.bucket, ctx.loc.key(manifest.snapshot_id, f.key))
        hashing = codec.HashingReader(body)
        reader = codec.decompressor(f.codec, hashing)
        if f.format == "text" and f is entry.data and ctx.policies[table.name].secrets:
            existing = _existing_secrets(ctx, table, entry)  # before COPY starts: one statement at a time
            source: Any = _Chunks(_reencrypt(ctx, table, manifest, entry, _lines(reader), existing))
        else:
            source = reader
        ctx.cur.copy_expert(copy.as_string(ctx.cur), source, size=1 << 20)
        rows = int(ctx.cur.rowcount)
        hashing.drain()
        if hashing.bytes != f.bytes or hashing.sha256.hexdigest() != f.sha256:
            raise IncompleteSnapshotError(f"{manifest.snapshot_id}/{f.key}: checksum mismatch (corrupt or replaced)")
    if rows != f.rows:
        raise IncompleteSnapshotError(f"{manifest.snapshot_id}/{f.key}: {rows} rows read, manifest says {f.rows}")
    if casts:
        override = S(" OVERRIDING SYSTEM VALUE") if relation == table.name and table.identity_always else S("")
        values = S(", ").join(S("{}::{}").format(I(c), S(casts[c][1])) if c in casts else I(c) for c in columns)
        ctx.cur.execute(S("INSERT INTO {} ({}){} SELECT {} FROM mp_raw").format(
            I(relation), _cols(columns), override, values))
        ctx.cur.execute("DROP TABLE mp_raw")
    return rows


_Existing = tuple[list[str], dict[tuple[str | None, ...], dict[str, str]]]


def _reencrypt(ctx: _Ctx, table: Table, manifest: Manifest, entry: TableEntry, lines: Iterator[bytes],
               existing_secrets: _Existing) -> Iterator[bytes]:
    pol = ctx.policies[table.name]
    index = {c: i for i, c in enumerate(entry.columns)}
    pk = list(table.primary_key or entry.columns)
    secret_cols = [(c, flag) for c, flag in pol.secrets if c in index]
    sealer = ctx.sealer(manifest)
    ident_cols, existing = existing_secrets
    for values in copyfmt.parse_lines(lines):
        pk_text = "|".join(str(values[index[c]]) for c in pk)
        current = existing.get(tuple(values[index[c]] for c in ident_cols), {})
        for col, flag in secret_cols:
            sealed = values[index[col]]
            if sealed is None:
                continue
            payload = sealer.open(sealed, f"{manifest.snapshot_id}/{table.name}/{col}/{pk_text}")
            if payload.startswith("p:"):
                plain = payload[2:]
                # the target already holds this value: keep its ciphertext, so a repeated restore changes nothing
                token = current.get(col)
                if token is None or ctx.fernet.try_decrypt(token) != plain:
                    token = ctx.fernet.encrypt(plain)
                values[index[col]] = token
                if flag:
                    values[index[flag]] = "true"
            else:  # undecryptable in the source already: carried as it was
                values[index[col]] = payload[2:]
        yield copyfmt.format_row(values)


def _existing_secrets(ctx: _Ctx, table: Table, entry: TableEntry) -> _Existing:
    """Target's current Fernet tokens of the secret columns, by identity (conn_id, key, or id)."""
    pol = ctx.policies[table.name]
    keys = table_rules.identity_keys(table, pol)
    ident = list(keys[0] if keys else table.primary_key)
    cols = [c for c, _ in pol.secrets if c in entry.columns]
    if not ident or not cols:
        return [], {}
    ctx.cur.execute(S("SELECT {}, {} FROM {}").format(
        S(", ").join(S("{}::text").format(I(c)) for c in ident), _cols(cols), I(table.name)))
    out: dict[tuple[str | None, ...], dict[str, str]] = {}
    for row in ctx.cur.fetchall():
        out[tuple(row[:len(ident)])] = {c: v for c, v in zip(cols, row[len(ident):], strict=True) if v is not None}
    return ident, out


# ---- per table ---------------------------------------------------------------------------------------------

def _refs(ctx: _Ctx, table: Table) -> list[tuple[tuple[str, ...], str, tuple[str, ...], bool]]:
    """(columns, parent, parent columns, declared) for foreign keys and soft references of ``table``."""
    out = [(fk.columns, fk.parent, fk.parent_columns, True) for fk in table.foreign_keys]
    for ref in table_rules.soft_refs(ctx.schema):
        if ref.table == table.name and not any(r[0] == (ref.column,) for r in out):
            out.append(((ref.column,), ref.parent, (ref.parent_column,), False))
    return out


def _is_empty(ctx: _Ctx, name: str) -> bool:
    ctx.cur.execute(S("SELECT NOT EXISTS (SELECT 1 FROM {})").format(I(name)))
    return bool(ctx.cur.fetchone()[0])


def _restore_table(ctx: _Ctx, table: Table, rep: TableReport) -> None:
    entries = _entries(ctx, table.name)
    pol = ctx.policies[table.name]
    refs = _refs(ctx, table)
    rep.rows_in_snapshot = entries[-1][1].data.rows if len(entries) == 1 else 0
    remapped_parents = [r for r in refs if len(r[0]) == 1 and ctx.maps.get(r[1])
                        and r[2] == (ctx.schema.tables[r[1]].surrogate_key,)]
    foreign_parents = [r for r in refs if r[3] and r[1] not in ctx.restored]
    lossy_parents = [r for r in refs if r[3] and r[1] in ctx.lossy]
    fast = (len(entries) == 1 and entries[0][1].mode == "full" and not pol.secrets and not remapped_parents
            and not foreign_parents and not lossy_parents and _is_empty(ctx, table.name))
    if fast:
        rep.path = "fast"
        manifest, entry = entries[0]
        with _bulk_load(ctx, table, entry.data.rows):
            rep.inserted = _load(ctx, table.name, table, manifest, entry)
        rep.in_flight_changed = _in_flight(ctx, table, table.name)
        if table.name == "dag":
            ctx.cur.execute("SELECT dag_id FROM dag WHERE NOT is_paused")
            ctx.report.dags_unpaused.extend(r[0] for r in ctx.cur.fetchall())
        return
    rep.path = "merge"
    stage = _stage(ctx, table, entries, rep)
    for cols, parent, _pcols, _declared in remapped_parents:
        rep.remapped_ids += _apply_map(ctx, stage, cols[0], parent)
    for cols, parent, pcols, _declared in foreign_parents:
        _detach_foreign(ctx, table, stage, cols, parent, pcols, rep)
    for cols, parent, pcols, _declared in lossy_parents:
        rep.dropped_orphans += _drop_orphans(ctx, stage, cols, parent, pcols)
    rep.in_flight_changed = _in_flight(ctx, table, stage)
    if table.surrogate_key:
        _merge_surrogate(ctx, table, stage, pol, rep)
    else:
        _merge_natural(ctx, table, stage, pol, rep)
    if rep.skipped_conflict or rep.dropped_orphans:
        ctx.lossy.add(table.name)
    ctx.cur.execute(S("DROP TABLE {}").format(I(stage)))


class _bulk_load:  # noqa: N801 - used as a context manager, reads like one
    """Around a big load into an empty table: keys, indexes and foreign keys off, then rebuilt (validated)."""

    def __init__(self, ctx: _Ctx, table: Table, rows: int):
        self.ctx = ctx
        self.ddl = bulk_load_ddl(ctx.cur, table.name) if rows >= ctx.options.bulk_load_rows else None

    def __enter__(self) -> None:
        for statement in self.ddl[0] if self.ddl else []:
            self.ctx.cur.execute(statement)

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            for statement in self.ddl[1] if self.ddl else []:
                self.ctx.cur.execute(statement)


def _stage(ctx: _Ctx, table: Table, entries: list[tuple[Manifest, TableEntry]], rep: TableReport) -> str:
    ctx.stage_seq += 1
    stage = f"mp_stage_{ctx.stage_seq}"
    ctx.cur.execute(S("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(I(stage), I(table.name)))
    base_manifest, base = entries[0]
    if base.mode != "full":
        raise IncompleteSnapshotError(f"{base_manifest.snapshot_id}: the first link of a chain must be full")
    _load(ctx, stage, table, base_manifest, base)
    for manifest, entry in entries[1:]:
        if entry.mode == "full":
            ctx.cur.execute(S("TRUNCATE {}").format(I(stage)))
            _load(ctx, stage, table, manifest, entry)
            continue
        _apply_delta(ctx, table, stage, manifest, entry)
    ctx.cur.execute(S("SELECT count(*) FROM {}").format(I(stage)))
    rep.rows_in_snapshot = int(ctx.cur.fetchone()[0])
    return stage


def _apply_delta(ctx: _Ctx, table: Table, stage: str, manifest: Manifest, entry: TableEntry) -> None:
    pk = table.primary_key
    if entry.keyset is None or not pk:
        raise IncompleteSnapshotError(f"{manifest.snapshot_id}: delta of {table.name} has no key set")
    cur = ctx.cur
    if entry.keyset_kind == "ranges":
        cur.execute(S("CREATE TEMP TABLE mp_keys ON COMMIT DROP AS SELECT {c} AS lo, {c} AS hi FROM {t} WITH NO DATA")
                    .format(c=I(pk[0]), t=I(table.name)))
        _load(ctx, "mp_keys", table, manifest, entry, entry.keyset, ["lo", "hi"])
        cur.execute("CREATE INDEX ON mp_keys (lo)")
        cur.execute(S("DELETE FROM {s} s WHERE COALESCE((SELECT k.hi FROM mp_keys k WHERE k.lo <= s.{c} "
                      "ORDER BY k.lo DESC LIMIT 1) < s.{c}, true)").format(s=I(stage), c=I(pk[0])))
    else:
        cur.execute(S("CREATE TEMP TABLE mp_keys ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
                    .format(_cols(pk), I(table.name)))
        _load(ctx, "mp_keys", table, manifest, entry, entry.keyset, list(pk))
        cur.execute(S("DELETE FROM {} s WHERE NOT EXISTS (SELECT 1 FROM mp_keys k WHERE {})")
                    .format(I(stage), _eq("k", "s", pk)))
    cur.execute(S("CREATE TEMP TABLE mp_delta (LIKE {}) ON COMMIT DROP").format(I(table.name)))
    _load(ctx, "mp_delta", table, manifest, entry)
    cur.execute(S("DELETE FROM {} s USING mp_delta d WHERE {}").format(I(stage), _eq("s", "d", pk)))
    cur.execute(S("INSERT INTO {} ({c}) SELECT {c} FROM mp_delta").format(I(stage), c=_cols(entry.columns)))
    cur.execute("DROP TABLE mp_keys, mp_delta")


def _apply_map(ctx: _Ctx, stage: str, column: str, parent: str) -> int:
    ctx.cur.execute(S("UPDATE {s} s SET {c} = m.new FROM {m} m WHERE s.{c} = m.old")
                    .format(s=I(stage), c=I(column), m=I(f"mp_map_{parent}")))
    return int(ctx.cur.rowcount)


def _detach_foreign(ctx: _Ctx, table: Table, stage: str, cols: tuple[str, ...], parent: str,
                    pcols: tuple[str, ...], rep: TableReport) -> None:
    """References to tables that are not restored (e.g. ab_user): keep if the target has the row, else NULL."""
    if parent not in ctx.schema.tables:
        return
    missing = S("{} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})").format(
        S(" AND ").join(S("s.{} IS NOT NULL").format(I(c)) for c in cols), I(parent),
        S(" AND ").join(S("p.{} = s.{}").format(I(pc), I(c)) for c, pc in zip(cols, pcols, strict=True)))
    nullable = all(not (table.column(c) and table.column(c).not_null) for c in cols)  # type: ignore[union-attr]
    if nullable:
        ctx.cur.execute(S("UPDATE {} s SET ({}) = ROW({}) WHERE {}").format(
            I(stage), _cols(cols), S(", ").join(S("NULL") for _ in cols), missing))
        rep.nulled_refs += int(ctx.cur.rowcount)
        if ctx.cur.rowcount:
            rep.notes.append(f"{','.join(cols)} -> {parent}: not restored, set NULL where the target lacks the row")
    else:
        ctx.cur.execute(S("DELETE FROM {} s WHERE {}").format(I(stage), missing))
        rep.dropped_orphans += int(ctx.cur.rowcount)


def _drop_orphans(ctx: _Ctx, stage: str, cols: tuple[str, ...], parent: str, pcols: tuple[str, ...]) -> int:
    ctx.cur.execute(S("DELETE FROM {} s WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})").format(
        I(stage), S(" AND ").join(S("s.{} IS NOT NULL").format(I(c)) for c in cols), I(parent),
        S(" AND ").join(S("p.{} = s.{}").format(I(pc), I(c)) for c, pc in zip(cols, pcols, strict=True))))
    return int(ctx.cur.rowcount)


def _in_flight(ctx: _Ctx, table: Table, relation: str) -> int:
    mode = ctx.options.in_flight
    if mode == "keep" or table.name not in ("task_instance", "dag_run"):
        return 0
    when = S("{}::timestamptz").format(psql.Literal(ctx.final.pg_snapshot["time"]))
    sets: list[psql.Composable] = []
    if table.name == "task_instance":
        states = list(table_rules.IN_FLIGHT_TI_STATES)
        if mode == "rerun":
            sets.append(S("state = NULL"))
        else:
            states.append("up_for_retry")
            sets += [S("state = 'failed'"), S("end_date = COALESCE(end_date, {})").format(when)]
        sets += [S("{} = NULL").format(I(c)) for c in ("trigger_id", "trigger_timeout", "next_method",
                                                       "next_kwargs", "queued_by_job_id", "pid") if table.has(c)]
    else:
        if mode == "rerun":
            return 0  # the run goes on; its cleared tasks are scheduled again
        states = list(table_rules.IN_FLIGHT_RUN_STATES)
        sets += [S("state = 'failed'"), S("end_date = COALESCE(end_date, {})").format(when)]
    ctx.cur.execute(S("UPDATE {} SET {} WHERE state = ANY({})").format(
        I(relation), S(", ").join(sets), psql.Literal(states)))
    return int(ctx.cur.rowcount)


def _compare(table: Table, alias: str, cols: list[str]) -> psql.Composable:
    """Row expression for IS DISTINCT FROM: json has no equality operator, compare its text."""
    parts = []
    for c in cols:
        col = table.column(c)
        if col is not None and col.type == "json":
            parts.append(S("{}.{}::text").format(I(alias), I(c)))
        else:
            parts.append(S("{}.{}").format(I(alias), I(c)))
    return S("ROW({})").format(S(", ").join(parts))


def _update_existing(ctx: _Ctx, table: Table, stage: str, pol: table_rules.TablePolicy, join: psql.Composable,
                     matched: int, rep: TableReport) -> None:
    """What happens to snapshot rows the target already has: replace (if different), keep, or DAG state."""
    cols = [c for c in table.column_names if c not in table.primary_key]
    if pol.on_match == "dag_state":
        ctx.cur.execute(S("UPDATE dag t SET is_paused = s.is_paused FROM {} s {} AND t.is_paused IS DISTINCT FROM "
                          "s.is_paused RETURNING t.dag_id, t.is_paused").format(I(stage), join))
        changed = ctx.cur.fetchall()
        ctx.report.dags_unpaused.extend(d for d, paused in changed if not paused)
        ctx.report.dags_paused.extend(d for d, paused in changed if paused)
        rep.replaced, rep.unchanged = len(changed), matched - len(changed)
        if changed:
            rep.notes.append(f"is_paused set from the snapshot on {len(changed)} DAGs")
        return
    if pol.on_match == "keep" or ctx.options.strategy == "skip" or not cols:
        rep.skipped_existing = matched
        return
    ctx.cur.execute(S("UPDATE {t} t SET ({c}) = ROW({sc}) FROM {s} s {j} AND {tr} IS DISTINCT FROM {sr}").format(
        t=I(table.name), c=_cols(cols), sc=_cols(cols, "s"), s=I(stage), j=join,
        tr=_compare(table, "t", cols), sr=_compare(table, "s", cols)))
    rep.replaced = int(ctx.cur.rowcount)
    rep.unchanged = matched - rep.replaced


def _insert_new(ctx: _Ctx, table: Table, stage: str, where: psql.Composable, rep: TableReport, staged: int,
                matched: int) -> None:
    override = S(" OVERRIDING SYSTEM VALUE") if table.identity_always else S("")
    cols = table.column_names
    ctx.cur.execute(S("INSERT INTO {t} ({c}){o} SELECT {sc} FROM {s} s {w} ON CONFLICT DO NOTHING").format(
        t=I(table.name), c=_cols(cols), o=override, sc=_cols(cols, "s"), s=I(stage), w=where))
    rep.inserted = int(ctx.cur.rowcount)
    rep.skipped_conflict = staged - matched - rep.inserted
    if rep.skipped_conflict:
        rep.notes.append("rows colliding with different target rows on a unique key were not restored")


def _merge_natural(ctx: _Ctx, table: Table, stage: str, pol: table_rules.TablePolicy, rep: TableReport) -> None:
    pk = table.primary_key or tuple(table.column_names)
    ctx.cur.execute(S("SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {t} t WHERE {e})) FROM {s} s")
                    .format(t=I(table.name), e=_eq("t", "s", pk), s=I(stage)))
    staged, matched = (int(x) for x in ctx.cur.fetchone())
    if matched:
        _update_existing(ctx, table, stage, pol, S("WHERE {}").format(_eq("t", "s", pk)), matched, rep)
    where = S("WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE {})").format(I(table.name), _eq("t", "s", pk))
    with _bulk_load(ctx, table, staged if _is_empty(ctx, table.name) else 0):
        _insert_new(ctx, table, stage, where, rep, staged, matched)


def _merge_surrogate(ctx: _Ctx, table: Table, stage: str, pol: table_rules.TablePolicy, rep: TableReport) -> None:
    cur = ctx.cur
    sk = table.surrogate_key
    assert sk is not None
    mapname = f"mp_match_{table.name}"
    cur.execute(S("CREATE TEMP TABLE {m} ON COMMIT DROP AS SELECT {k} AS old, {k} AS new, ''::text AS kind "
                  "FROM {t} WITH NO DATA").format(m=I(mapname), k=I(sk), t=I(table.name)))
    cur.execute(S("SELECT count(*) FROM {}").format(I(stage)))
    staged = int(cur.fetchone()[0])
    target_empty = _is_empty(ctx, table.name)
    if not target_empty:
        keys = table_rules.identity_keys(table, pol)
        for key in keys:
            cur.execute(S(
                "INSERT INTO {m} SELECT DISTINCT ON (s.{k}) s.{k}, t.{k}, 'match' FROM {s} s JOIN {t} t ON {e} "
                "WHERE NOT EXISTS (SELECT 1 FROM {m} x WHERE x.old = s.{k}) ORDER BY s.{k}, (t.{k} = s.{k}) DESC, t.{k}"
            ).format(m=I(mapname), k=I(sk), s=I(stage), t=I(table.name), e=_eq("s", "t", key)))
        if not keys:
            # no natural key: the same row is the same content; pair duplicates one to one
            content = [c for c in table.column_names if c != sk]
            digest = S("md5(ROW({})::text)").format(_cols(content))
            cur.execute(S(
                "INSERT INTO {m} SELECT s.k, t.k, 'match' FROM "
                "(SELECT {k} AS k, {d} AS h, row_number() OVER (PARTITION BY {d} ORDER BY {k}) AS n FROM {s}) s JOIN "
                "(SELECT {k} AS k, {d} AS h, row_number() OVER (PARTITION BY {d} ORDER BY {k}) AS n FROM {t}) t "
                "ON s.h = t.h AND s.n = t.n").format(m=I(mapname), k=I(sk), d=digest, s=I(stage), t=I(table.name)))
        # ids taken by unrelated target rows: a fresh id above everything either side has
        col = table.column(sk)
        fresh = (S("gen_random_uuid()") if col is not None and col.type == "uuid" else
                 S("(SELECT GREATEST((SELECT max({k}) FROM {t}), (SELECT max({k}) FROM {s}))) "
                   "+ row_number() OVER (ORDER BY s.{k})").format(k=I(sk), t=I(table.name), s=I(stage)))
        cur.execute(S(
            "INSERT INTO {m} SELECT s.{k}, {f}, 'new' FROM {s} s WHERE NOT EXISTS (SELECT 1 FROM {m} x WHERE "
            "x.old = s.{k}) AND EXISTS (SELECT 1 FROM {t} t WHERE t.{k} = s.{k})"
        ).format(m=I(mapname), k=I(sk), f=fresh, s=I(stage), t=I(table.name)))
    cur.execute(S("SELECT count(*) FILTER (WHERE kind = 'match'), count(*) FILTER (WHERE old IS DISTINCT FROM new) "
                  "FROM {}").format(I(mapname)))
    matched, moved = (int(x) for x in cur.fetchone())
    rep.remapped_ids += moved
    if matched:
        join = S("JOIN {m} m ON m.old = s.{k} AND m.kind = 'match' WHERE t.{k} = m.new").format(
            m=I(mapname), k=I(sk))
        _update_existing(ctx, table, stage, pol, join, matched, rep)
    cur.execute(S("UPDATE {s} s SET {k} = m.new FROM {m} m WHERE m.kind = 'new' AND s.{k} = m.old").format(
        s=I(stage), k=I(sk), m=I(mapname)))
    where = S("WHERE NOT EXISTS (SELECT 1 FROM {m} x WHERE x.kind = 'match' AND x.old = s.{k})").format(
        m=I(mapname), k=I(sk))
    with _bulk_load(ctx, table, staged if target_empty else 0):
        _insert_new(ctx, table, stage, where, rep, staged, matched)
    if moved:
        cur.execute(S("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT old, new FROM {} WHERE old IS DISTINCT FROM new")
                    .format(I(f"mp_map_{table.name}"), I(mapname)))
        cur.execute(S("CREATE INDEX ON {} (old)").format(I(f"mp_map_{table.name}")))
        ctx.maps[table.name] = True
    cur.execute(S("DROP TABLE {}").format(I(mapname)))


def _advance_sequences(ctx: _Ctx) -> None:
    """Move every sequence past the highest restored id, so the target's next insert cannot collide."""
    for name in sorted(ctx.restored):
        table = ctx.schema.tables[name]
        for col in table.columns:
            if not col.sequence:
                continue
            ctx.cur.execute(S(
                "SELECT setval({seq}::regclass, x.m) FROM (SELECT max({c}) AS m FROM {t}) x "
                "WHERE x.m IS NOT NULL AND x.m > COALESCE(pg_sequence_last_value({seq}::regclass), 0)"
            ).format(seq=psql.Literal(col.sequence), c=I(col.name), t=I(name)))
            row = ctx.cur.fetchone()
            if row:
                ctx.report.sequences_advanced[col.sequence] = int(row[0])

