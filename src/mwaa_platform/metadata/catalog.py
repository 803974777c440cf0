"""The snapshots under a prefix: list, load, resolve delta chains, verify, prune.

A snapshot is complete exactly when its manifest exists and names itself; everything else under the prefix
is a backup in progress or the remains of a failed one, which is never restored and is pruned after a
grace period.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_platform.metadata import objectstore
from mwaa_platform.metadata.errors import IncompleteSnapshotError, SnapshotNotFoundError
from mwaa_platform.metadata.manifest import MANIFEST, Manifest, valid_snapshot_id

MAX_CHAIN = 500


@dataclass
class SnapshotInfo:
    snapshot_id: str
    complete: bool
    objects: int = 0
    bytes: int = 0
    last_modified: datetime | None = None

    @property
    def kind(self) -> str:
        return "delta" if "-delta-" in self.snapshot_id else "full"


def list_snapshots(s3: Any, loc: objectstore.Location) -> list[SnapshotInfo]:
    """Every snapshot directory under the prefix, oldest first, complete or not (one listing pass)."""
    found: dict[str, SnapshotInfo] = {}
    base = loc.key() + "/" if loc.prefix else ""
    for obj in objectstore.list_objects(s3, loc.bucket, base):
        rest = obj["Key"][len(base):]
        sid, _, name = rest.partition("/")
        if not valid_snapshot_id(sid):
            continue
        info = found.setdefault(sid, SnapshotInfo(sid, False))
        info.objects += 1
        info.bytes += int(obj.get("Size", 0))
        modified = obj.get("LastModified")
        if modified and (info.last_modified is None or modified > info.last_modified):
            info.last_modified = modified
        if name == MANIFEST:
            info.complete = True
    return [found[k] for k in sorted(found)]


def load(s3: Any, loc: objectstore.Location, snapshot_id: str) -> Manifest:
    if not valid_snapshot_id(snapshot_id):
        raise SnapshotNotFoundError(f"{snapshot_id!r} is not a snapshot id (see `mwaa-platform metadata list`)")
    doc = objectstore.get_json(s3, loc.bucket, loc.key(snapshot_id, MANIFEST))
    if doc is None:
        if any(True for _ in objectstore.list_objects(s3, loc.bucket, loc.key(snapshot_id) + "/")):
            raise IncompleteSnapshotError(
                f"snapshot {snapshot_id} has no manifest: the backup did not finish (or is still running); "
                "it cannot be restored")
        raise SnapshotNotFoundError(f"no snapshot {snapshot_id} under {loc.url()}")
    return Manifest.from_json(doc, expected_id=snapshot_id)


def latest(s3: Any, loc: objectstore.Location) -> Manifest | None:
    complete = [s for s in list_snapshots(s3, loc) if s.complete]
    return load(s3, loc, complete[-1].snapshot_id) if complete else None


def chain(s3: Any, loc: objectstore.Location, snapshot_id: str) -> list[Manifest]:
    """[full base, delta, ..., snapshot_id]: every link complete, one schema for all."""
    links: list[Manifest] = []
    current: str | None = snapshot_id
    while current is not None:
        if len(links) >= MAX_CHAIN or any(m.snapshot_id == current for m in links):
            raise IncompleteSnapshotError(f"delta chain of {snapshot_id} is too long or loops; take a full backup")
        try:
            manifest = load(s3, loc, current)
        except SnapshotNotFoundError:
            if current == snapshot_id:
                raise
            raise IncompleteSnapshotError(
                f"snapshot {snapshot_id} needs {current}, which is missing (pruned or not replicated)") from None
        links.append(manifest)
        current = manifest.parent if manifest.kind == "delta" else None
    links.reverse()
    fingerprints = {m.schema_fingerprint for m in links}
    if len(fingerprints) != 1:
        raise IncompleteSnapshotError(f"delta chain of {snapshot_id} spans different schemas")
    return links


def load_for_delta(s3: Any, loc: objectstore.Location, parent_id: str | None) -> Manifest:
    if parent_id:
        parent = load(s3, loc, parent_id)
    else:
        found = latest(s3, loc)
        if found is None:
            raise SnapshotNotFoundError(f"a delta needs a previous snapshot and {loc.url()} has none: "
                                        "take a full backup first")
        parent = found
    chain(s3, loc, parent.snapshot_id)  # the delta is only useful if its chain restores
    return parent


@dataclass
class VerifyResult:
    snapshot_id: str
    problems: list[str] = field(default_factory=list)
    checked_objects: int = 0
    checked_bytes: int = 0
    key_ok: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(s3: Any, loc: objectstore.Location, snapshot_id: str, deep: bool = False,
           check_key: bool = False, kms: Any = None) -> VerifyResult:
    """Check a snapshot (and its chain): objects present with the recorded size; ``deep`` re-hashes them."""
    result = VerifyResult(snapshot_id)
    try:
        links = chain(s3, loc, snapshot_id)
    except (IncompleteSnapshotError, SnapshotNotFoundError) as exc:
        result.problems.append(str(exc))
        return result
    for manifest in links:
        sizes = {o["Key"]: int(o["Size"])
                 for o in objectstore.list_objects(s3, loc.bucket, loc.key(manifest.snapshot_id) + "/")}
        for entry in manifest.tables:
            for f in [entry.data, *([entry.keyset] if entry.keyset else [])]:
                key = loc.key(manifest.snapshot_id, f.key)
                if key not in sizes:
                    result.problems.append(f"{manifest.snapshot_id}: {f.key} is missing")
                    continue
                if sizes[key] != f.bytes:
                    result.problems.append(f"{manifest.snapshot_id}: {f.key} has {sizes[key]} bytes, "
                                           f"manifest says {f.bytes}")
                    continue
                result.checked_objects += 1
                result.checked_bytes += f.bytes
                if deep:
                    digest = hashlib.sha256()
                    body = objectstore.open_stream(s3, loc.bucket, key)
                    while chunk := body.read(1 << 20):
                        digest.update(chunk)
                    if digest.hexdigest() != f.sha256:
                        result.problems.append(f"{manifest.snapshot_id}: {f.key} checksum mismatch")
        if check_key and manifest.secrets:
            from mwaa_platform.metadata.crypto import DataKey, SecretError

            try:
                DataKey.unwrap(manifest.secrets["data_key"], manifest.secrets["kms_key_id"],
                               manifest.secrets["encryption_context"], kms=kms)
                result.key_ok = result.key_ok is not False
            except SecretError as exc:
                result.key_ok = False
                result.problems.append(f"{manifest.snapshot_id}: {exc}")
    return result


@dataclass
class PrunePlan:
    delete: list[str]
    keep: list[str]
    reasons: dict[str, str]


def plan_prune(s3: Any, loc: objectstore.Location, keep_last: int | None, max_age_days: float | None,
               incomplete_grace_hours: float = 6.0, now: datetime | None = None) -> PrunePlan:
    """Keep the newest ``keep_last`` full snapshots with their deltas, and everything younger than
    ``max_age_days``; keep every ancestor a kept delta needs; always keep the newest complete snapshot."""
    now = now or datetime.now(UTC)
    infos = list_snapshots(s3, loc)
    complete = [i for i in infos if i.complete]
    parents: dict[str, str | None] = {}
    for info in complete:
        parents[info.snapshot_id] = load(s3, loc, info.snapshot_id).parent if info.kind == "delta" else None
    keep: set[str] = set()
    reasons: dict[str, str] = {}
    fulls = [i.snapshot_id for i in complete if i.kind == "full"]
    kept_fulls = set(fulls[-keep_last:]) if keep_last else set()

    def root(sid: str) -> str:
        seen = 0
        while parents.get(sid) and seen < MAX_CHAIN:
            sid = parents[sid] or sid
            seen += 1
        return sid

    for info in complete:
        sid = info.snapshot_id
        if root(sid) in kept_fulls:
            keep.add(sid)
            reasons[sid] = f"among the newest {keep_last} full snapshots (or a delta of one)"
        elif (max_age_days is not None and info.last_modified
              and now - info.last_modified < timedelta(days=max_age_days)):
            keep.add(sid)
            reasons[sid] = f"younger than {max_age_days} days"
    if complete:
        keep.add(complete[-1].snapshot_id)
        reasons.setdefault(complete[-1].snapshot_id, "newest complete snapshot")
    for sid in list(keep):  # ancestors of kept deltas
        cur = parents.get(sid)
        while cur:
            if cur not in keep:
                keep.add(cur)
                reasons[cur] = f"needed by delta {sid}"
            cur = parents.get(cur)
    delete = []
    for info in infos:
        sid = info.snapshot_id
        if info.complete and sid not in keep:
            delete.append(sid)
            reasons[sid] = "outside retention"
        elif not info.complete:
            age = now - info.last_modified if info.last_modified else timedelta(0)
            if age > timedelta(hours=incomplete_grace_hours):
                delete.append(sid)
                reasons[sid] = f"incomplete for more than {incomplete_grace_hours} h"
            else:
                reasons[sid] = "incomplete (in progress?): within grace period"
    return PrunePlan(delete=delete, keep=sorted(keep), reasons=reasons)


def apply_prune(s3: Any, loc: objectstore.Location, plan: PrunePlan) -> int:
    return sum(objectstore.delete_prefix(s3, loc.bucket, loc.key(sid) + "/") for sid in plan.delete)
