"""Reading snapshot files into the target: ``COPY ... FROM STDIN`` of a table file (checksummed, secrets re-encrypted
with the target's Fernet key on the way), the bulk-load switch for big loads into empty tables, and the stage of the
merge path (a full file, then each delta of the chain applied by its key set)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mwaa_platform.metadata import codec, copyfmt, objectstore, table_rules
from mwaa_platform.metadata.errors import IncompleteSnapshotError
from mwaa_platform.metadata.manifest import FileEntry, Manifest, TableEntry
from mwaa_platform.metadata.report import TableReport
from mwaa_platform.metadata.restore_context import I, S, _cols, _Ctx, _eq
from mwaa_platform.metadata.schema import Table, bulk_load_ddl


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
