"""Per-table reports of a backup or a restore: what happened to every row, and why."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TableReport:
    table: str
    state: str = "pending"       # success | failed | rolled_back | excluded | absent
    path: str = ""               # fast (COPY into empty table) | merge (staged + matched) | -
    rows_in_snapshot: int = 0
    inserted: int = 0
    replaced: int = 0            # existing rows overwritten with the snapshot's values (strategy replace)
    unchanged: int = 0           # existing rows already equal to the snapshot's
    skipped_existing: int = 0    # existing rows kept as they are (strategy skip / target-owned tables)
    skipped_conflict: int = 0    # snapshot rows that collide with a different target row on a unique key
    dropped_orphans: int = 0     # rows whose parent row is not in the target (its parent was skipped)
    remapped_ids: int = 0        # rows that got the target's id for the same thing, or a fresh id on collision
    nulled_refs: int = 0         # references to rows of tables that are not restored (e.g. ab_user)
    in_flight_changed: int = 0   # rows changed by the in-flight policy
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        keys = ("inserted", "replaced", "unchanged", "skipped_existing", "skipped_conflict", "dropped_orphans",
                "remapped_ids", "nulled_refs", "in_flight_changed")
        return {k: getattr(self, k) for k in keys if getattr(self, k)}


@dataclass
class RestoreReport:
    snapshot_id: str
    chain: list[str]
    strategy: str
    in_flight: str
    dry_run: bool = False
    committed: bool = False
    tables: list[TableReport] = field(default_factory=list)
    sequences_advanced: dict[str, int] = field(default_factory=dict)
    dags_unpaused: list[str] = field(default_factory=list)
    dags_paused: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    migration: dict[str, Any] | None = None   # cross-version restore: versions, step times, per-table changes

    def table(self, name: str) -> TableReport:
        found = next((t for t in self.tables if t.table == name), None)
        if found is None:
            found = TableReport(name)
            self.tables.append(found)
        return found

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def result_line(self) -> str:
        """The optional one-line summary of the peer-bench contract."""
        rows = [{"table": t.table, "state": t.state, "seconds": t.seconds, **t.counts()}
                for t in self.tables if t.state not in ("excluded", "absent")]
        return "RESULT " + json.dumps({"tables": rows, "committed": self.committed}, separators=(",", ":"))

    def render(self) -> str:
        head = (f"restore of {self.snapshot_id} (chain: {' -> '.join(self.chain)}), strategy={self.strategy}, "
                f"in-flight={self.in_flight}: "
                + ("DRY RUN, rolled back" if self.dry_run else "committed" if self.committed else "ROLLED BACK"))
        lines = [head, f"{'table':32} {'state':11} {'path':6} {'snapshot':>9} {'inserted':>9} {'replaced':>8} "
                       f"{'unchanged':>9} {'skipped':>7}  details"]
        for t in self.tables:
            skipped = t.skipped_existing + t.skipped_conflict + t.dropped_orphans
            details = ", ".join(f"{k}={v}" for k, v in t.counts().items()
                                if k not in ("inserted", "replaced", "unchanged"))
            details = "; ".join(x for x in [details, *t.notes] if x)
            lines.append(f"{t.table:32} {t.state:11} {t.path:6} {t.rows_in_snapshot:>9} {t.inserted:>9} "
                         f"{t.replaced:>8} {t.unchanged:>9} {skipped:>7}  {details}")
        if self.sequences_advanced:
            lines.append("sequences advanced: " + ", ".join(f"{k}->{v}" for k, v in self.sequences_advanced.items()))
        lines.append(f"DAGs unpaused: {len(self.dags_unpaused)}, paused: {len(self.dags_paused)}; "
                     f"{self.seconds:.1f}s")
        if self.migration:
            lines.extend(self._render_migration())
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)

    def _render_migration(self) -> list[str]:
        m = self.migration or {}
        lines = [f"migrated through Airflow's own migrations: Airflow {m.get('source_version')} "
                 f"({m.get('source_revision')}) -> {m.get('target_version')} ({m.get('target_revision')}), "
                 f"{m.get('migration_steps')} migrations; schema {m.get('schema_seconds', 0):.1f}s, load "
                 f"{m.get('load_seconds', 0):.1f}s, migrate {m.get('migrate_seconds', 0):.1f}s, total "
                 f"{m.get('seconds', 0):.1f}s"]
        for t in m.get("tables", []):
            if not (t["rows_before"] or t["rows_after"]):
                continue  # no data went through this table (its schema change is in the JSON report)
            changed = (t.get("change") or t.get("columns_dropped") or t.get("columns_added")
                       or t.get("columns_renamed") or t["rows_before"] != t["rows_after"] or t["table"] != t["after"])
            if not changed:
                continue
            parts = [f"rows {t['rows_before']} -> {t['rows_after']}"]
            parts += [f"{k.replace('_', ' ')}: {', '.join(t[k])}"
                      for k in ("columns_dropped", "columns_added", "columns_renamed") if t.get(k)]
            if t.get("change"):
                parts.append(t["change"])
            name = t["table"] if t["table"] == t["after"] else f"{t['table'] or '-'} -> {t['after'] or '-'}"
            lines.append(f"  migration {name}: " + "; ".join(parts))
        for name, rows in (m.get("not_loaded") or {}).items():
            lines.append(f"  migration {name}: {rows} snapshot rows not loaded (table not in the rebuilt schema)")
        lines.extend(f"  migration note: {n}" for n in m.get("notes", []))
        return lines

