"""Gap: moto's server is threaded and its DynamoDB backend checks a ConditionExpression and then writes
without a lock, so two concurrent conditional writes can both pass (two failover executions could both
take the lease). Fix: item writes of one backend are serialised, so check-and-write is atomic as in
DynamoDB."""

from __future__ import annotations

import functools
import threading
from typing import Any

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()


def apply() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        original = getattr(DynamoDBBackend, name, None)
        if original is None or getattr(original, "_serialised", False):
            continue

        def make(func: Any) -> Any:
            @functools.wraps(func)
            def serialised(self: Any, *args: Any, **kwargs: Any) -> Any:
                with _lock:
                    return func(self, *args, **kwargs)

            serialised._serialised = True  # type: ignore[attr-defined]
            return serialised

        setattr(DynamoDBBackend, name, make(original))
