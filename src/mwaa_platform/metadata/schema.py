"""Reflection of the live Airflow schema from pg_catalog: tables, columns, keys, foreign keys, sequences.

Nothing here is written per Airflow version: the engine reads what the database says and combines it with
the small declared policy in :mod:`mwaa_platform.metadata.table_rules`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "public"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    sequence: str | None = None   # serial/identity sequence, if any
    identity: str = ""            # 'a' (ALWAYS), 'd' (BY DEFAULT) or ''
    generated: bool = False       # GENERATED ... STORED: never copied

    def to_json(self) -> list[Any]:
        return [self.name, self.type, self.not_null]


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass
class Table:
    name: str
    columns: list[Column]
    primary_key: tuple[str, ...] = ()
    uniques: list[tuple[str, ...]] = field(default_factory=list)  # unique constraints and unique indexes
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns if not c.generated]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def has(self, *names: str) -> bool:
        return all(self.column(n) is not None for n in names)

    @property
    def surrogate_key(self) -> str | None:
        """The single-column PK that is a generated number or uuid (a row's id, not its meaning)."""
        if len(self.primary_key) != 1:
            return None
        col = self.column(self.primary_key[0])
        if col and (col.sequence or col.identity or col.type == "uuid"):
            return col.name
        return None

    @property
    def identity_always(self) -> bool:
        return any(c.identity == "a" for c in self.columns)

    def describe(self) -> dict[str, Any]:
        """What a snapshot records about the table (and what restore compares)."""
        return {"columns": [c.to_json() for c in self.columns if not c.generated],
                "primary_key": list(self.primary_key)}


@dataclass
class Schema:
    tables: dict[str, Table]
    alembic_revision: str | None

    def __contains__(self, name: str) -> bool:
        return name in self.tables


def reflect(cur: Any, schema: str = SCHEMA) -> Schema:
    """Read tables, columns, PK/unique/FK constraints and sequences of ``schema`` with one cursor."""
    cur.execute(
        """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname),
               a.attidentity::text, a.attgenerated::text <> ''
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
        ORDER BY c.relname, a.attnum
        """,
        (schema,),
    )
    tables: dict[str, Table] = {}
    for rel, col, typ, notnull, seq, ident, generated in cur.fetchall():
        tables.setdefault(rel, Table(rel, [])).columns.append(
            Column(col, typ, bool(notnull), seq, ident or "", bool(generated)))
    cur.execute(
        """
        SELECT c.relname, con.conname, con.contype::text,
               ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o),
               fc.relname::text,
               ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_class fc ON fc.oid = con.confrelid
        WHERE n.nspname = %s AND con.contype IN ('p', 'u', 'f')
        ORDER BY c.relname, con.conname
        """,
        (schema,),
    )
    for rel, name, kind, cols, parent, parent_cols in cur.fetchall():
        table = tables.get(rel)
        if table is None:
            continue
        if kind == "p":
            table.primary_key = tuple(cols)
        elif kind == "u":
            if tuple(cols) not in table.uniques:
                table.uniques.append(tuple(cols))
        elif parent:
            fk = ForeignKey(name, tuple(cols), parent, tuple(parent_cols))
            # Airflow 2.10 declares some foreign keys twice under different names
            if all((f.columns, f.parent, f.parent_columns) != (fk.columns, fk.parent, fk.parent_columns)
                   for f in table.foreign_keys):
                table.foreign_keys.append(fk)
    # Airflow declares some natural keys as unique indexes, not constraints (e.g. dataset.uri in 2.x)
    cur.execute(
        """
        SELECT c.relname,
               ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND i.indisunique AND NOT i.indisprimary
          AND i.indpred IS NULL AND i.indexprs IS NULL
        ORDER BY c.relname, i.indexrelid
        """,
        (schema,),
    )
    for rel, cols in cur.fetchall():
        table = tables.get(rel)
        if table is not None and cols and tuple(cols) not in table.uniques:
            table.uniques.append(tuple(cols))
    revision = None
    if "alembic_version" in tables:
        cur.execute("SELECT version_num FROM alembic_version")
        row = cur.fetchone()
        revision = row[0] if row else None
    return Schema(tables, revision)


def bulk_load_ddl(cur: Any, table: str, schema: str = SCHEMA) -> tuple[list[str], list[str]] | None:
    """(drop, create) statements that take a table's keys, indexes and foreign keys (both directions) off
    for a bulk load and put them back after, as pg_restore does: one sort per index and one join per foreign
    key instead of a b-tree insert and a locking lookup per row. None if we do not own every table involved.
    """
    cur.execute(
        """
        SELECT con.contype::text, format('%%I.%%I', cn.nspname, cc.relname), con.conname,
               pg_get_constraintdef(con.oid), pg_has_role(cc.relowner, 'USAGE'),
               con.conrelid = t.oid AS own
        FROM pg_class t
        JOIN pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_constraint con ON (con.conrelid = t.oid AND con.contype IN ('p', 'u', 'f'))
                               OR (con.confrelid = t.oid AND con.contype = 'f' AND con.conrelid <> t.oid)
        JOIN pg_class cc ON cc.oid = con.conrelid
        JOIN pg_namespace cn ON cn.oid = cc.relnamespace
        WHERE n.nspname = %s AND t.relname = %s
        ORDER BY con.conname
        """,
        (schema, table),
    )
    constraints = cur.fetchall()
    cur.execute(
        """
        SELECT format('%%I.%%I', n.nspname, ic.relname), pg_get_indexdef(i.indexrelid),
               pg_has_role(tc.relowner, 'USAGE')
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = tc.relnamespace
        WHERE n.nspname = %s AND tc.relname = %s
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
        ORDER BY ic.relname
        """,
        (schema, table),
    )
    indexes = cur.fetchall()
    if not all(c[4] for c in constraints) or not all(i[2] for i in indexes):
        return None
    qtable = f'"{schema}"."{table}"'

    def drop(rel: str, name: str) -> str:
        return f'ALTER TABLE {rel} DROP CONSTRAINT "{name}"'

    def add(rel: str, name: str, definition: str) -> str:
        return f'ALTER TABLE {rel} ADD CONSTRAINT "{name}" {definition}'

    incoming = [(rel, name, d) for kind, rel, name, d, _, own in constraints if kind == "f" and not own]
    outgoing = [(rel, name, d) for kind, rel, name, d, _, own in constraints if kind == "f" and own]
    keys = [(rel, name, d) for kind, rel, name, d, _, own in constraints if kind in ("p", "u")]
    drops = ([drop(*c[:2]) for c in incoming] + [drop(*c[:2]) for c in outgoing]
             + [f"DROP INDEX {name}" for name, _, _ in indexes] + [drop(qtable, c[1]) for c in keys])
    creates = ([add(qtable, c[1], c[2]) for c in keys] + [ddl for _, ddl, _ in indexes]
               + [add(*c) for c in outgoing] + [add(*c) for c in incoming])
    return drops, creates


def fingerprint(described: dict[str, dict[str, Any]]) -> str:
    """sha256 over the canonical description of the tables a snapshot covers."""
    canonical = json.dumps(described, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def diff(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]], limit: int = 8) -> list[str]:
    """Human-readable differences between two table descriptions (snapshot vs target)."""
    out: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            out.append(f"table {name} is missing in the target")
        elif name not in expected:
            out.append(f"table {name} exists only in the target")
        elif expected[name] != actual[name]:
            exp_cols = {c[0]: c for c in expected[name]["columns"]}
            act_cols = {c[0]: c for c in actual[name]["columns"]}
            changed = sorted(k for k in set(exp_cols) | set(act_cols) if exp_cols.get(k) != act_cols.get(k))
            detail = ", ".join(f"{k}: {exp_cols.get(k, ['', 'absent'])[1]} -> {act_cols.get(k, ['', 'absent'])[1]}"
                               for k in changed[:4]) or "primary key differs"
            out.append(f"table {name}: {detail}")
        if len(out) >= limit:
            out.append("...")
            break
    return out


def dependency_order(names: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """Parents before children (Kahn); edges are (parent, child); cycles are broken by name order."""
    wanted = set(names)
    children: dict[str, set[str]] = {n: set() for n in names}
    indegree = dict.fromkeys(names, 0)
    for parent, child in edges:
        if parent in wanted and child in wanted and parent != child and child not in children[parent]:
            children[parent].add(child)
            indegree[child] += 1
    order: list[str] = []
    ready = sorted(n for n in names if indegree[n] == 0)
    remaining = set(names)
    while remaining:
        if not ready:  # a cycle: take the alphabetically first remaining table
            ready = [min(remaining)]
        node = ready.pop(0)
        if node not in remaining:
            continue
        remaining.discard(node)
        order.append(node)
        for child in sorted(children[node]):
            indegree[child] -= 1
            if indegree[child] <= 0 and child in remaining:
                ready.append(child)
        ready.sort()
    return order
