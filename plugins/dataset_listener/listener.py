"""Listener hooks for dataset/asset events, for Airflow 2.x (``on_dataset_*``) and 3.x (``on_asset_*``).

Every change is logged as one line. With ``DATASET_LISTENER_EVENT_BUS`` set (e.g. by startup.sh), it is
also put on that EventBridge bus as ``source=mwaa-platform.datasets``, so other environments or accounts
can react (the seed's cross-environment dataset pattern). A failure to publish is logged, never raised:
a listener must not fail the task that updated the dataset.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from airflow.listeners import hookimpl

log = logging.getLogger("airflow.dataset_listener")
SOURCE = "mwaa-platform.datasets"
SEEN: list[dict[str, Any]] = []  # the last events in this process, for inspection and tests
MAX_SEEN = 100


def _record(kind: str, uri: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    event = {"kind": kind, "uri": uri, "time": datetime.now(UTC).isoformat(), **(extra or {})}
    SEEN.append(event)
    del SEEN[:-MAX_SEEN]
    log.info("dataset event %s %s", kind, uri)
    bus = os.environ.get("DATASET_LISTENER_EVENT_BUS")
    if bus:
        _publish(bus, event)
    return event


def _publish(bus: str, event: dict[str, Any]) -> None:
    try:
        import boto3
        from botocore.config import Config

        client = boto3.client("events", config=Config(connect_timeout=3, read_timeout=5,
                                                      retries={"mode": "standard", "max_attempts": 3}))
        resp = client.put_events(Entries=[{"Source": SOURCE, "DetailType": f"Dataset {event['kind']}",
                                           "Detail": json.dumps(event), "EventBusName": bus}])
        if resp.get("FailedEntryCount"):
            log.warning("dataset event not accepted by %s: %s", bus, resp["Entries"][0].get("ErrorCode"))
    except Exception as exc:  # the listener must never fail the task
        log.warning("dataset event not published to %s: %s", bus, type(exc).__name__)


# Airflow 2.x -------------------------------------------------------------------------------------
@hookimpl
def on_dataset_created(dataset: Any) -> None:
    _record("Created", str(getattr(dataset, "uri", dataset)))


@hookimpl
def on_dataset_changed(dataset: Any) -> None:
    _record("Changed", str(getattr(dataset, "uri", dataset)), {"extra": dict(getattr(dataset, "extra", None) or {})})


# Airflow 3.x -------------------------------------------------------------------------------------
@hookimpl
def on_asset_created(asset: Any) -> None:
    _record("Created", str(getattr(asset, "uri", asset)), {"name": getattr(asset, "name", None)})


@hookimpl
def on_asset_changed(asset: Any) -> None:
    _record("Changed", str(getattr(asset, "uri", asset)), {"name": getattr(asset, "name", None)})
