"""The merge path of one table, from its stage into the target: references to parents whose ids moved or that were
not restored, the in-flight policy, rows the target already has (matched by identity: replaced, kept or DAG state
only) and new rows (fresh ids where the snapshot's are taken); then the sequences past every restored id."""

from __future__ import annotations

from psycopg2 import sql as psql

from mwaa_platform.metadata import table_rules
from mwaa_platform.metadata.report import TableReport
from mwaa_platform.metadata.restore_context import I, S, _cols, _Ctx, _eq
from mwaa_platform.metadata.restore_load import _bulk_load
from mwaa_platform.metadata.schema import Table


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
