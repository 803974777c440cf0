"""Restore a snapshot of Airflow X into an environment on Airflow Y >= X, through Airflow's own migrations.

With only Y's Airflow (the target environment's):

1. a scratch database; Y's ``airflow db migrate --to-revision <X's revision>`` builds X's schema in it;
2. the snapshot is restored into it exactly as into an X environment (ids kept, secrets re-encrypted with the
   target's Fernet key; a few column types that Y's chain builds differently are cast on load);
3. Y's ``airflow db migrate`` takes it to Y's head: Airflow's migrations transform the data (renames, new
   keys, archived or dropped rows), nothing here knows a version pair;
4. the migrated scratch database is restored into the target by the same engine (merge with the target's
   own rows, DAG state, sequences), in one transaction; the scratch database is dropped.

The report names, per table, rows before and after the migration and the columns Airflow dropped, added or
renamed (tracked by PostgreSQL's table and column numbers, which renames keep). Y < X is refused: Y's code
has no migration down from a revision it does not know.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from typing import IO, Any

from psycopg2 import sql as psql

from mwaa_platform.metadata import dbconn, table_rules
from mwaa_platform.metadata.errors import SchemaMismatchError
from mwaa_platform.metadata.manifest import FileEntry, Manifest, TableEntry
from mwaa_platform.metadata.migrate import Airflow, Scratch, airflow_python
from mwaa_platform.metadata.report import RestoreReport
from mwaa_platform.metadata.restore import Progress, RestoreOptions, restore_chain
from mwaa_platform.metadata.schema import Schema, reflect

I = psql.Identifier  # noqa: E741
S = psql.SQL


@dataclass
class _TableState:
    name: str
    rows: int
    columns: dict[int, str]   # attnum -> name


@dataclass
class _Inventory:
    tables: dict[int, _TableState] = field(default_factory=dict)   # pg_class oid -> state

    def by_name(self, name: str) -> tuple[int, _TableState] | None:
        return next(((oid, t) for oid, t in self.tables.items() if t.name == name), None)


def _inventory(url: str) -> _Inventory:
    conn = dbconn.connect(url, application_name="mwaa-platform-metadata-scratch")
    try:
        cur = conn.cursor()
        cur.execute("""SELECT c.oid::bigint, c.relname, a.attnum, a.attname FROM pg_class c
                       JOIN pg_namespace n ON n.oid = c.relnamespace
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1, 3""")
        inv = _Inventory()
        for oid, rel, attnum, attname in cur.fetchall():
            inv.tables.setdefault(int(oid), _TableState(rel, 0, {})).columns[int(attnum)] = attname
        for state in inv.tables.values():
            cur.execute(S("SELECT count(*) FROM {}").format(I(state.name)))
            state.rows = int(cur.fetchone()[0])
        return inv
    finally:
        conn.close()


def migration_changes(before: _Inventory, after: _Inventory) -> list[dict[str, Any]]:
    """Per table of the old schema: where it went, rows before/after, columns dropped/added/renamed; then the
    tables the migration created (with rows, if it moved data there)."""
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for oid, old in sorted(before.tables.items(), key=lambda kv: kv[1].name):
        found = (oid, after.tables[oid]) if oid in after.tables else after.by_name(old.name)
        if found is None:
            out.append({"table": old.name, "after": None, "rows_before": old.rows, "rows_after": 0,
                        "change": "table dropped by the migration"})
            continue
        new_oid, new = found
        seen.add(new_oid)
        same_oid = new_oid == oid
        dropped = sorted(c for n, c in old.columns.items() if same_oid and n not in new.columns)
        renamed = sorted(f"{c}->{new.columns[n]}" for n, c in old.columns.items()
                         if same_oid and n in new.columns and new.columns[n] != c)
        added = sorted(c for n, c in new.columns.items() if same_oid and n not in old.columns)
        if not same_oid:  # recreated under the same name: compare by column name
            dropped = sorted(set(old.columns.values()) - set(new.columns.values()))
            added = sorted(set(new.columns.values()) - set(old.columns.values()))
        entry: dict[str, Any] = {"table": old.name, "after": new.name, "rows_before": old.rows, "rows_after": new.rows}
        if dropped:
            entry["columns_dropped"] = dropped
        if added:
            entry["columns_added"] = added
        if renamed:
            entry["columns_renamed"] = renamed
        if not same_oid:
            entry["change"] = "table recreated by the migration"
        out.append(entry)
    for oid, new in sorted(after.tables.items(), key=lambda kv: kv[1].name):
        if oid not in seen and new.name != "alembic_version":
            out.append({"table": None, "after": new.name, "rows_before": 0, "rows_after": new.rows,
                        "change": "table created by the migration"})
    return out


class _ScratchSource:
    """Table data for the final restore, read from the migrated scratch database (cast to the target's types)."""

    def __init__(self, url: str, queries: dict[str, psql.Composable]):
        self._conn = dbconn.connect(url, application_name="mwaa-platform-metadata-scratch")
        self._conn.set_session(readonly=True)
        self._queries = queries
        self._open: IO[bytes] | None = None

    def open(self, key: str) -> IO[bytes]:
        self.close_file()
        spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the next open() / close()
        cur = self._conn.cursor()
        cur.copy_expert(S("COPY ({}) TO STDOUT (FORMAT binary)").format(self._queries[key]).as_string(cur),
                        spool, size=1 << 20)
        spool.seek(0)
        self._open = spool
        return spool

    def close_file(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def close(self) -> None:
        self.close_file()
        self._conn.close()


def _plan_final(scratch: Schema, target: Schema, after: _Inventory, final: Manifest, airflow_version: str
                ) -> tuple[Manifest, dict[str, psql.Composable], list[str]]:
    """The migrated scratch database as a one-link chain for the restore engine, the COPY queries, notes."""
    entries: list[TableEntry] = []
    queries: dict[str, psql.Composable] = {}
    excluded = dict(final.excluded)
    notes: list[str] = []
    rows = {t.name: t.rows for t in after.tables.values()}
    for name in sorted(scratch.tables):
        table = scratch.tables[name]
        pol = table_rules.table_policy(table, scratch)
        if not pol.include:
            excluded.setdefault(name, pol.reason)
            if rows.get(name) and not name.startswith(table_rules._AUTH_PREFIX) and name not in final.excluded:
                notes.append(f"{name}: {rows[name]} rows after the migration not restored ({pol.reason})")
            continue
        dest = target.tables.get(name)
        if dest is None:
            if rows.get(name):
                notes.append(f"{name}: {rows[name]} rows after the migration, table not in the target: not restored")
            continue
        cols = [c for c in dest.column_names if table.has(c)]
        missing = [c for c in dest.column_names if not table.has(c)]
        if missing:
            notes.append(f"{name}: target columns {missing} are not in the migrated data (defaults apply)")
        select = S(", ").join(
            S("{}::{}").format(I(c), S(dest.column(c).type))  # type: ignore[union-attr]
            if table.column(c).type != dest.column(c).type else I(c)  # type: ignore[union-attr]
            for c in cols)
        queries[name] = S("SELECT {} FROM {}").format(select, I(name))
        entries.append(TableEntry(name, cols, FileEntry(name, "none", "binary", rows.get(name, 0), 0, 0, ""),
                                  known=pol.known))
    manifest = Manifest(
        snapshot_id=final.snapshot_id, kind="full", created_at=final.created_at, completed_at=final.completed_at,
        source={"alembic_revision": scratch.alembic_revision, "airflow_version": airflow_version,
                "migrated_from": final.source.get("alembic_revision")},
        pg_snapshot=final.pg_snapshot, schema_fingerprint="",
        schema={e.name: target.tables[e.name].describe() for e in entries}, tables=entries, excluded=excluded,
        secrets=None)
    return manifest, queries, notes


def _reflect(url: str) -> Schema:
    conn = dbconn.connect(url, application_name="mwaa-platform-metadata-scratch")
    try:
        return reflect(conn.cursor())
    finally:
        conn.close()


def restore_across(db_url: str, fernet_keys: str | None, options: RestoreOptions, chain: list[Manifest], s3: Any,
                   kms: Any = None, progress: Progress | None = None) -> RestoreReport:
    """Restore a chain whose schema revision differs from the target's (see the module docstring)."""
    say = progress or (lambda _line: None)
    with tempfile.TemporaryDirectory(prefix="mwaa-platform-airflow-home-") as home:
        airflow = Airflow(airflow_python(options.airflow_python), fernet_keys, home)
        return _restore_across(db_url, fernet_keys, options, chain, s3, kms, say, airflow)


def _restore_across(db_url: str, fernet_keys: str | None, options: RestoreOptions, chain: list[Manifest], s3: Any,
                    kms: Any, say: Progress, airflow: Airflow) -> RestoreReport:
    t0 = time.monotonic()
    final = chain[-1]
    src_rev = str(final.source.get("alembic_revision"))
    src_version = final.source.get("airflow_version") or "?"
    probe = airflow.probe(db_url, src_rev)
    target_rev = _reflect(db_url).alembic_revision
    if target_rev != probe.head:
        raise SchemaMismatchError(f"the target database is at {target_rev}, its Airflow {probe.version} at "
                                  f"{probe.head}: migrate the target (airflow db migrate) before restoring")
    if not probe.ancestor:
        raise SchemaMismatchError(
            f"snapshot is from Airflow {src_version} (schema revision {src_rev}), newer than or not on the "
            f"migration path of this environment's Airflow {probe.version} (head {probe.head}): restore into an "
            f"environment of Airflow {src_version} or newer. Airflow {probe.version}'s code has no migration down "
            f"from a revision it does not know (airflow db downgrade needs the newer Airflow).")
    say(f"cross-version restore: snapshot of Airflow {src_version} ({src_rev}) into Airflow {probe.version} "
        f"({probe.head}), {probe.steps} migrations")
    info: dict[str, Any] = {"source_version": src_version, "source_revision": src_rev,
                            "target_version": probe.version, "target_revision": probe.head,
                            "revision_named": probe.named, "migrations": probe.steps}
    with Scratch(db_url, options.scratch_db_url, options.keep_scratch) as scratch:
        info["scratch"] = dbconn.describe(scratch.url)
        say(f"[1/4] building the Airflow {src_version} schema in {info['scratch']}: "
            f"airflow db migrate --to-revision {src_rev} (Airflow {probe.version})")
        info["schema_seconds"], _ = airflow.migrate(scratch.url, to_revision=src_rev)
        say(f"[1/4] done in {info['schema_seconds']:.1f}s")
        say("[2/4] restoring the snapshot into the scratch database")
        first_opts = RestoreOptions(location=options.location, snapshot_id=options.snapshot_id,
                                    strategy="replace", in_flight=options.in_flight,
                                    lock_timeout_s=options.lock_timeout_s, bulk_load_rows=options.bulk_load_rows)
        first = restore_chain(scratch.url, fernet_keys, first_opts, chain, s3, kms=kms, lenient=True)
        info["load_seconds"] = first.seconds
        not_loaded = {t.table: t.rows_in_snapshot for t in first.tables if t.state == "absent"}
        say(f"[2/4] done in {first.seconds:.1f}s" + (f"; not in the {src_version} schema built by Airflow "
                                                        f"{probe.version}: {not_loaded}" if not_loaded else ""))
        before = _inventory(scratch.url)
        say(f"[3/4] migrating the scratch database to {probe.head}: airflow db migrate (Airflow {probe.version})")
        info["migrate_seconds"], info["migration_steps"] = airflow.migrate(scratch.url, progress=say)
        say(f"[3/4] done in {info['migrate_seconds']:.1f}s ({info['migration_steps']} migrations)")
        after = _inventory(scratch.url)
        info["tables"] = migration_changes(before, after)
        info["not_loaded"] = not_loaded
        target = _reflect(db_url)
        migrated, queries, notes = _plan_final(_reflect(scratch.url), target, after, final, probe.version)
        info["notes"] = notes
        say("[4/4] restoring the migrated data into the target (one transaction)")
        source = _ScratchSource(scratch.url, queries)
        try:
            second_opts = RestoreOptions(location=options.location, snapshot_id=options.snapshot_id,
                                         strategy=options.strategy, in_flight="keep", dry_run=options.dry_run,
                                         lock_timeout_s=options.lock_timeout_s,
                                         bulk_load_rows=options.bulk_load_rows)
            report = restore_chain(db_url, fernet_keys, second_opts, [migrated], s3, kms=kms, source=source)
        finally:
            source.close()
        say(f"[4/4] done in {report.seconds:.1f}s")
    report.chain = [m.snapshot_id for m in chain]
    report.in_flight = options.in_flight
    for t in first.tables:
        if t.in_flight_changed:
            report.table(t.table).in_flight_changed += t.in_flight_changed
    for name, rows in not_loaded.items():
        rep = report.table(name)
        rep.state, rep.path, rep.rows_in_snapshot = "absent", "-", rows
        rep.notes.append(f"not in Airflow {probe.version}'s chain at {src_rev}: not restored")
    info["seconds"] = round(time.monotonic() - t0, 3)
    report.migration = info
    report.seconds = info["seconds"]
    return report
