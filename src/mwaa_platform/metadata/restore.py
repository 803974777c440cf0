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
import time
from collections.abc import Callable
from typing import Any

from mwaa_platform.metadata import catalog, dbconn, objectstore, table_rules
from mwaa_platform.metadata.crypto import FernetKeys
from mwaa_platform.metadata.errors import (
    ConfigurationError,
    IncompleteSnapshotError,
    RestoreFailedError,
    SchemaMismatchError,
)
from mwaa_platform.metadata.manifest import Manifest, TableEntry
from mwaa_platform.metadata.report import RestoreReport, TableReport
from mwaa_platform.metadata.restore_checks import _check_compatible, _lenient_casts
from mwaa_platform.metadata.restore_context import I, RestoreOptions, S, _Ctx
from mwaa_platform.metadata.restore_load import _bulk_load, _load, _stage
from mwaa_platform.metadata.restore_merge import (
    _advance_sequences,
    _apply_map,
    _detach_foreign,
    _drop_orphans,
    _in_flight,
    _is_empty,
    _merge_natural,
    _merge_surrogate,
    _refs,
)
from mwaa_platform.metadata.schema import Table, dependency_order, reflect

__all__ = ["Progress", "RestoreOptions", "restore", "restore_chain", "target_revision"]

log = logging.getLogger("mwaa_platform.metadata")
Progress = Callable[[str], None]


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
