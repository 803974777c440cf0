"""DAG invokers: turn an EventBridge Scheduler event or an S3 object-created event into a DAG run.

Both are at-least-once sources, so run ids are derived from the event (the flow and its scheduled
time; the object's bucket, key, version and sequencer): a duplicate delivery meets a 409 and is
reported as ``already_triggered`` instead of starting a second run. Malformed events raise
InvalidEventError before any AWS call. Only boto3 is used (InvokeRestApi), as in the Lambda runtime.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient, new_run_id

FLOW_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
DAG_ID = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")  # 50: '/dags/<id>/dagRuns' must fit InvokeRestApi's 64-char Path
S3_EVENT_NAMES = ("ObjectCreated:",)


class InvalidEventError(ValueError):
    """The event is not one this invoker handles; nothing was called."""


class InvalidConfigError(ValueError):
    """The function's configuration (environment variables) is wrong: a deployment problem."""


@dataclass(frozen=True)
class Target:
    dag_id: str
    conf: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Invocation:
    dag_id: str
    run_id: str
    conf: dict[str, Any]


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int | None
    etag: str | None
    version_id: str | None
    sequencer: str | None
    event_time: str | None


def _target(name: str, spec: Any) -> Target:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("dag_id"), str) or not DAG_ID.match(spec["dag_id"]):
        raise InvalidConfigError(f"{name}: needs dag_id matching {DAG_ID.pattern}")
    conf = spec.get("conf") or {}
    if not isinstance(conf, Mapping):
        raise InvalidConfigError(f"{name}: conf must be a JSON object")
    return Target(spec["dag_id"], dict(conf))


def _json_object(raw: str | None, what: str) -> Mapping[str, Any]:
    if not raw:
        raise InvalidConfigError(f"{what} is not set")
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidConfigError(f"{what} is not valid JSON") from None
    if not isinstance(value, Mapping) or not value:
        raise InvalidConfigError(f"{what} must be a non-empty JSON object")
    return value


def load_flows(raw: str | None) -> dict[str, Target]:
    """``{"<flow id>": {"dag_id": ..., "conf": {...}}}`` (the FLOWS variable set by Terraform)."""
    flows = {}
    for flow_id, spec in _json_object(raw, "FLOWS").items():
        if not FLOW_ID.match(flow_id):
            raise InvalidConfigError(f"flow id {flow_id!r} must match {FLOW_ID.pattern}")
        flows[flow_id] = _target(f"flow {flow_id}", spec)
    return flows


def load_routes(raw: str | None) -> dict[str, Target]:
    """``{"<key prefix>": {"dag_id": ..., "conf": {...}}}`` (the KEY_ROUTES variable set by Terraform)."""
    routes = {}
    for prefix, spec in _json_object(raw, "KEY_ROUTES").items():
        if not isinstance(prefix, str) or not prefix or prefix.startswith("/"):
            raise InvalidConfigError(f"key prefix {prefix!r}: non-empty, no leading '/'")
        routes[prefix] = _target(f"prefix {prefix}", spec)
    return routes


# scheduled ---------------------------------------------------------------------------------------
def scheduled_invocation(event: Any, flows: Mapping[str, Target]) -> Invocation:
    """The run for an EventBridge Scheduler input ``{"flow_id", "scheduled_time"?, "execution_id"?}``."""
    if not isinstance(event, Mapping):
        raise InvalidEventError("event is not a JSON object")
    flow_id = event.get("flow_id")
    if not isinstance(flow_id, str) or not FLOW_ID.match(flow_id):
        raise InvalidEventError("event has no valid flow_id")
    if flow_id not in flows:
        raise InvalidEventError(f"unknown flow_id {flow_id!r} (configured: {sorted(flows)})")
    target = flows[flow_id]
    scheduled = event.get("scheduled_time")
    conf = {**target.conf, "flow_id": flow_id}
    if scheduled is None:
        run_id = new_run_id(f"flow__{flow_id}"[:60])  # a manual test invocation: not deduplicated
    else:
        try:
            when = datetime.fromisoformat(str(scheduled).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidEventError("scheduled_time is not ISO 8601") from None
        if when.tzinfo is None:
            raise InvalidEventError("scheduled_time has no timezone")
        conf["scheduled_time"] = when.isoformat()
        run_id = f"flow__{flow_id}__{when.strftime('%Y%m%dT%H%M%SZ')}"
    if isinstance(event.get("execution_id"), str):
        conf["scheduler_execution_id"] = event["execution_id"][:100]
    return Invocation(target.dag_id, run_id, conf)


# S3 ----------------------------------------------------------------------------------------------
def _obj(bucket: Any, key: Any, size: Any, etag: Any, version: Any, sequencer: Any, when: Any) -> S3Object:
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise InvalidEventError("S3 event without bucket name or object key")
    return S3Object(bucket, key, size if isinstance(size, int) else None, etag if isinstance(etag, str) else None,
                    version if isinstance(version, str) else None, sequencer if isinstance(sequencer, str) else None,
                    when if isinstance(when, str) else None)


def s3_objects(event: Any) -> list[S3Object]:
    """Objects from an EventBridge ``Object Created`` event or an S3 notification (``Records``)."""
    if not isinstance(event, Mapping):
        raise InvalidEventError("event is not a JSON object")
    if event.get("source") == "aws.s3":
        if event.get("detail-type") != "Object Created":
            raise InvalidEventError(f"unsupported S3 event {event.get('detail-type')!r} (want 'Object Created')")
        detail = event.get("detail")
        if not isinstance(detail, Mapping) or not isinstance(detail.get("object"), Mapping) \
                or not isinstance(detail.get("bucket"), Mapping):
            raise InvalidEventError("Object Created event without detail.bucket / detail.object")
        o = detail["object"]
        return [_obj(detail["bucket"].get("name"), o.get("key"), o.get("size"), o.get("etag") or o.get("eTag"),
                     o.get("version-id"),
                     o.get("sequencer"), event.get("time"))]
    records = event.get("Records")
    if isinstance(records, list) and records:
        found = []
        for rec in records:
            if not isinstance(rec, Mapping) or rec.get("eventSource") != "aws:s3":
                raise InvalidEventError("Records entry is not an S3 event")
            name = str(rec.get("eventName", ""))
            if not name.startswith(S3_EVENT_NAMES):
                continue  # e.g. s3:TestEvent or removals: nothing to run
            s3 = rec.get("s3")
            if not isinstance(s3, Mapping) or not isinstance(s3.get("bucket"), Mapping) \
                    or not isinstance(s3.get("object"), Mapping):
                raise InvalidEventError("S3 record without s3.bucket / s3.object")
            o = s3["object"]
            key = o.get("key")
            found.append(_obj(s3["bucket"].get("name"), unquote_plus(key) if isinstance(key, str) else key,
                              o.get("size"), o.get("eTag"), o.get("versionId"), o.get("sequencer"),
                              rec.get("eventTime")))
        return found
    raise InvalidEventError("neither an EventBridge 'Object Created' event nor an S3 notification")


def route(obj: S3Object, routes: Mapping[str, Target]) -> Invocation | None:
    """The run for ``obj`` under the longest matching key prefix, or None when no prefix matches."""
    matches = [p for p in routes if obj.key.startswith(p)]
    if not matches:
        return None
    prefix = max(matches, key=len)
    target = routes[prefix]
    identity = "\n".join([obj.bucket, obj.key, obj.version_id or "", obj.sequencer or obj.etag or ""])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    conf = {**target.conf, "bucket": obj.bucket, "key": obj.key, "prefix": prefix}
    conf.update({k: v for k, v in (("size", obj.size), ("etag", obj.etag), ("version_id", obj.version_id),
                                   ("event_time", obj.event_time)) if v is not None})
    return Invocation(target.dag_id, f"s3__{digest}", conf)


def s3_invocations(event: Any, routes: Mapping[str, Target], buckets: Iterable[str] | None = None
                   ) -> tuple[list[Invocation], list[str]]:
    """(runs to start, keys ignored because no prefix matched). Foreign buckets are rejected."""
    allowed = set(buckets or [])
    runs: list[Invocation] = []
    ignored: list[str] = []
    for obj in s3_objects(event):
        if allowed and obj.bucket not in allowed:
            raise InvalidEventError(f"bucket {obj.bucket!r} is not one this invoker serves")
        inv = route(obj, routes)
        if inv is None:
            ignored.append(obj.key)
        else:
            runs.append(inv)
    return runs, ignored


# dispatch ----------------------------------------------------------------------------------------
def dispatch(client: AirflowClient, invocations: Iterable[Invocation]) -> list[dict[str, str]]:
    """Trigger each run; a 409 (duplicate delivery) is success. Other errors propagate (Lambda retries)."""
    results = []
    for inv in invocations:
        try:
            run = client.trigger(inv.dag_id, conf=inv.conf, run_id=inv.run_id)
            results.append({"dag_id": inv.dag_id, "run_id": run.run_id or inv.run_id, "outcome": "triggered"})
        except errors.ConflictError:
            results.append({"dag_id": inv.dag_id, "run_id": inv.run_id, "outcome": "already_triggered"})
    return results
