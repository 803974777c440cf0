"""Environment records persisted as JSON under the state dir, so a restarted local MWAA recovers.

One file per environment: ``<root>/environments/<account>/<region>/<name>.json`` (mode 0600: it holds the
environment's Fernet key and token secret). A record is the GetEnvironment ``Environment`` structure plus
a ``_local`` object the API never returns. Writes are atomic (temp file + rename); every mutation goes
through :meth:`Store.update` under one lock, so the API threads and the lifecycle worker never interleave.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True, order=True)
class Key:
    account: str
    region: str
    name: str

    def __str__(self) -> str:
        return f"{self.account}/{self.region}/{self.name}"


def key_of(record: Record) -> Key:
    local = record["_local"]
    return Key(local["account"], local["region"], record["Name"])


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root / "environments"
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()

    def _path(self, key: Key) -> Path:
        return self.root / key.account / key.region / f"{key.name}.json"

    def get(self, key: Key) -> Record | None:
        with self._lock:
            path = self._path(key)
            if not path.exists():
                return None
            loaded: Record = json.loads(path.read_text())
            return loaded

    def put(self, record: Record) -> None:
        with self._lock:
            path = self._path(key_of(record))
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".json.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(record, handle, indent=1, sort_keys=True, default=str)
            os.replace(tmp, path)

    def create(self, record: Record) -> bool:
        """Store a new record; False if one with the same key exists (names are unique per account/region)."""
        with self._lock:
            if self._path(key_of(record)).exists():
                return False
            self.put(record)
            return True

    def update(self, key: Key, change: Callable[[Record], None]) -> Record | None:
        """Apply ``change`` to the stored record atomically; returns a copy of the result (None if gone)."""
        with self._lock:
            record = self.get(key)
            if record is None:
                return None
            change(record)
            self.put(record)
            return copy.deepcopy(record)

    def delete(self, key: Key) -> None:
        with self._lock:
            path = self._path(key)
            if path.exists():
                path.unlink()

    def all(self) -> Iterator[Record]:
        with self._lock:
            paths = sorted(self.root.glob("*/*/*.json"))
            records = [json.loads(p.read_text()) for p in paths]
        yield from records

    def list(self, account: str, region: str) -> list[Record]:
        return [r for r in self.all() if r["_local"]["account"] == account and r["_local"]["region"] == region]
