"""The snapshot manifest: written last, it is the completion marker and the restore's contract.

Layout of one snapshot (immutable, never rewritten)::

    s3://<bucket>/<prefix>/<snapshot-id>/tables/<table>.<bin|txt>.<zst|gz>    one file per table
    s3://<bucket>/<prefix>/<snapshot-id>/keys/<table>.bin.<zst|gz>            delta only: the table's key set
    s3://<bucket>/<prefix>/<snapshot-id>/manifest.json                        last; its presence = complete
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from mwaa_platform.metadata.errors import IncompleteSnapshotError

FORMAT = "mwaa-platform-metadata-snapshot/1"
MANIFEST = "manifest.json"
_ID_RE = re.compile(r"^\d{8}T\d{6}(\d{3})?Z-(full|delta)-[0-9a-f]{6}$")


def new_snapshot_id(kind: str, now: datetime | None = None) -> str:
    """Sortable by creation time (milliseconds), unique by a random suffix: 20261124T071530123Z-full-ab12cd."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{kind}-{secrets.token_hex(3)}"


def valid_snapshot_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


@dataclass
class FileEntry:
    key: str          # relative to the snapshot directory
    codec: str
    format: str       # COPY format: binary | text
    rows: int
    bytes: int        # stored (compressed) size
    raw_bytes: int
    sha256: str       # of the stored bytes

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> FileEntry:
        entry = cls(**{k: doc[k] for k in ("key", "codec", "format", "rows", "bytes", "raw_bytes", "sha256")})
        if not all(isinstance(v, str) for v in (entry.key, entry.codec, entry.format, entry.sha256)) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in (entry.rows, entry.bytes, entry.raw_bytes)):
            raise TypeError("a file entry has a field of the wrong type")
        return entry


@dataclass
class TableEntry:
    name: str
    columns: list[str]
    data: FileEntry
    mode: str = "full"                      # full | changed (delta: rows changed since the parent)
    keyset: FileEntry | None = None         # delta: every key present at snapshot time
    keyset_kind: str | None = None          # ranges (integer key) | keys
    known: bool = True
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        if self.keyset is None:
            doc.pop("keyset")
            doc.pop("keyset_kind")
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TableEntry:
        return cls(name=doc["name"], columns=list(doc["columns"]), data=FileEntry.from_json(doc["data"]),
                   mode=doc.get("mode", "full"),
                   keyset=FileEntry.from_json(doc["keyset"]) if doc.get("keyset") else None,
                   keyset_kind=doc.get("keyset_kind"), known=doc.get("known", True),
                   seconds=float(doc.get("seconds", 0.0)))


@dataclass
class Manifest:
    snapshot_id: str
    kind: str                                   # full | delta
    created_at: str
    completed_at: str
    source: dict[str, Any]
    pg_snapshot: dict[str, Any]
    schema_fingerprint: str
    schema: dict[str, dict[str, Any]]
    tables: list[TableEntry]
    excluded: dict[str, str]
    secrets: dict[str, Any] | None
    options: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    base: str | None = None

    def table(self, name: str) -> TableEntry | None:
        return next((t for t in self.tables if t.name == name), None)

    @property
    def total_rows(self) -> int:
        return sum(t.data.rows for t in self.tables)

    @property
    def total_bytes(self) -> int:
        return sum(t.data.bytes + (t.keyset.bytes if t.keyset else 0) for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "snapshot_id": self.snapshot_id, "kind": self.kind, "parent": self.parent,
            "base": self.base, "created_at": self.created_at, "completed_at": self.completed_at,
            "source": self.source, "pg_snapshot": self.pg_snapshot, "schema_fingerprint": self.schema_fingerprint,
            "schema": self.schema, "tables": [t.to_json() for t in self.tables], "excluded": self.excluded,
            "secrets": self.secrets, "options": self.options,
            "totals": {"rows": self.total_rows, "bytes": self.total_bytes, "tables": len(self.tables)},
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], expected_id: str | None = None) -> Manifest:
        if not isinstance(doc, dict):
            raise IncompleteSnapshotError("manifest is malformed: not a JSON object")
        if doc.get("format") != FORMAT:
            raise IncompleteSnapshotError(f"unknown manifest format {doc.get('format')!r} (expected {FORMAT})")
        try:
            manifest = cls(
                snapshot_id=doc["snapshot_id"], kind=doc["kind"], created_at=doc["created_at"],
                completed_at=doc["completed_at"], source=doc["source"], pg_snapshot=doc["pg_snapshot"],
                schema_fingerprint=doc["schema_fingerprint"], schema=doc["schema"],
                tables=[TableEntry.from_json(t) for t in doc["tables"]], excluded=doc.get("excluded", {}),
                secrets=doc.get("secrets"), options=doc.get("options", {}), parent=doc.get("parent"),
                base=doc.get("base"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IncompleteSnapshotError(f"manifest is malformed: {exc!r}") from None
        text_fields = (manifest.snapshot_id, manifest.kind, manifest.schema_fingerprint)
        if not all(isinstance(v, str) for v in text_fields) or not isinstance(manifest.schema, dict) or any(
                not isinstance(v, dict | None) for v in (manifest.source, manifest.secrets)):
            raise IncompleteSnapshotError("manifest is malformed: a field has the wrong type")
        if expected_id and manifest.snapshot_id != expected_id:
            raise IncompleteSnapshotError(
                f"manifest under {expected_id} names snapshot {manifest.snapshot_id}: refusing a moved snapshot")
        if manifest.kind == "delta" and not manifest.parent:
            raise IncompleteSnapshotError(f"delta snapshot {manifest.snapshot_id} names no parent")
        return manifest
