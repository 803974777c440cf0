"""Failover state: one DynamoDB item per platform environment, in the secondary region.

The item holds a version number and the state document (JSON). Every change is a conditional write on the
version it was computed from (optimistic concurrency): two writers cannot both succeed, and the loser
re-reads and re-decides. The document records who is active and since when, the current or last
operation (failover / failback) with its lease holder and expiry, each step's status, timestamps, attempts
and (truncated) result, the fencing result and a short history of transitions.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from mwaa_platform.failover.errors import FailoverError

MAX_RESULT_CHARS = 12_000
MAX_HISTORY = 60
WRITE_ATTEMPTS = 8


class StateConflictError(FailoverError):
    """Too many concurrent writers: the state item kept changing under us."""

    code = "StateConflictError"


def now_iso(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


def compact(result: Any) -> Any:
    """A JSON-safe copy of a step result, truncated so the item stays far below DynamoDB's 400 KB."""
    text = json.dumps(result, default=str, sort_keys=True)
    if len(text) <= MAX_RESULT_CHARS:
        loaded: Any = json.loads(text)
        return loaded
    return {"truncated": True, "preview": text[:MAX_RESULT_CHARS]}


@dataclass
class Snapshot:
    doc: dict[str, Any]
    version: int  # 0: the item does not exist yet


def initial_document(env: str, primary_region: str, primary_environment: str) -> dict[str, Any]:
    return {"env": env, "active_region": primary_region, "active_environment": primary_environment,
            "active_since": None, "operation": None, "history": []}


class StateStore:
    def __init__(self, dynamodb: Any, table: str, env: str, initial: dict[str, Any]) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.env = env
        self.initial = initial

    def read(self) -> Snapshot:
        item = self.dynamodb.get_item(TableName=self.table, Key={"env": {"S": self.env}},
                                      ConsistentRead=True).get("Item")
        if not item:
            return Snapshot(copy.deepcopy(self.initial), 0)
        return Snapshot(json.loads(item["doc"]["S"]), int(item["version"]["N"]))

    def _write(self, doc: dict[str, Any], expected: int) -> None:
        op = doc.get("operation") or {}
        item = {
            "env": {"S": self.env},
            "version": {"N": str(expected + 1)},
            "doc": {"S": json.dumps(doc, default=str, sort_keys=True)},
            "active_region": {"S": str(doc.get("active_region"))},
            "operation_status": {"S": str(op.get("status", "none"))},
            "lease_holder": {"S": str(op.get("holder") or "-")},
            "lease_expires": {"N": str(int(op.get("lease_expires") or 0))},
            "updated_at": {"S": now_iso()},
        }
        if expected == 0:
            self.dynamodb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(env)")
        else:
            self.dynamodb.put_item(TableName=self.table, Item=item, ConditionExpression="version = :v",
                                   ExpressionAttributeValues={":v": {"N": str(expected)}})

    def mutate(self, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> dict[str, Any]:
        """Apply ``change`` (which may raise to refuse) to the current document with a conditional write.

        ``change`` returns the new document, or None to leave the item as it is. On a conflicting write the
        document is re-read and ``change`` decides again on the fresh state.
        """
        for attempt in range(WRITE_ATTEMPTS):
            snap = self.read()
            updated = change(copy.deepcopy(snap.doc))
            if updated is None:
                return snap.doc
            try:
                self._write(updated, snap.version)
                return updated
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                time.sleep(min(0.05 * (2 ** attempt), 1.0))
        raise StateConflictError(f"the failover state for {self.env} changed {WRITE_ATTEMPTS} times while writing; "
                            "another execution is active: check `mwaa-platform failover status`")


def add_history(doc: dict[str, Any], event: str, **detail: Any) -> None:
    doc.setdefault("history", []).append({"at": now_iso(), "event": event, **detail})
    doc["history"] = doc["history"][-MAX_HISTORY:]
