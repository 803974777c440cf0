"""Lambda entry point: ``mwaa_platform.endpoints.handler.handler``.

Configuration (environment variables set by modules/endpoint-automation):
``ALLOWED_ACCOUNT_IDS`` / ``ALLOWED_VPC_IDS`` (comma-separated; empty = any), ``LOG_LEVEL``, and
``ENDPOINT_SECURITY_GROUP_IDS`` (shared-VPC owner: the groups put on the endpoints instead of the environment's),
``ALLOWED_QUEUE_ACCOUNT_IDS`` (optional: accounts whose ``airflow-celery-*`` queue may be admitted besides the
event's; empty = any 12-digit account, as MWAA's queue lives in an account MWAA owns).
A rejected event is logged with its reason and returns normally (retrying it cannot help); an AWS error
propagates after the backoff in :mod:`retry`, so Lambda retries the event and then sends it to the DLQ.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_platform import aws, logs
from mwaa_platform.endpoints import events, reconcile

log = logging.getLogger("mwaa_platform.endpoints")


@dataclass(frozen=True)
class Settings:
    region: str
    allowed_accounts: tuple[str, ...]
    allowed_vpcs: tuple[str, ...]
    # Shared-VPC owner: the endpoints are the owner's, so they get the owner's security groups, not the
    # participant environment's (an owner cannot attach a participant's groups to its own interfaces).
    endpoint_security_groups: tuple[str, ...] = ()
    # Accounts besides the event's whose airflow-celery-* queues may enter the SQS endpoint policies.
    queue_accounts: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not region:
            raise RuntimeError("AWS_REGION is not set")

        def items(name: str) -> tuple[str, ...]:
            return tuple(sorted({v.strip() for v in env.get(name, "").split(",") if v.strip()}))

        return cls(region, items("ALLOWED_ACCOUNT_IDS"), items("ALLOWED_VPC_IDS"), items("ENDPOINT_SECURITY_GROUP_IDS"),
                   items("ALLOWED_QUEUE_ACCOUNT_IDS"))


def _event_ref(event: Any) -> dict[str, Any]:
    """What identifies an event in the logs: its id and the environment, never the whole payload."""
    if not isinstance(event, Mapping):
        return {"event_id": None}
    raw = event.get("detail")
    detail: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    name = detail.get("name") if isinstance(detail.get("name"), str) else None
    status = detail.get("status") if isinstance(detail.get("status"), str) else None
    return {"event_id": str(event.get("id", ""))[:64] or None, "environment": (name or "")[:80] or None,
            "status": (status or "")[:32] or None}


def process(event: Any, settings: Settings, ec2: Any = None) -> reconcile.Outcome:
    """Validate, then act. ``ec2`` is created only once the event is known to be ours."""
    ref = _event_ref(event)
    try:
        change = events.parse(event, settings.region, settings.allowed_accounts, settings.queue_accounts)
        if settings.endpoint_security_groups:
            change = dataclasses.replace(change, security_group_ids=settings.endpoint_security_groups)
        if change.status not in events.HANDLED_STATUSES:
            outcome = reconcile.Outcome("ignored", change.name, change.account,
                                        reason=f"status {change.status} needs no action")
        elif change.endpoint_management == "SERVICE":  # MWAA made (and removes) this environment's endpoints
            outcome = reconcile.Outcome("ignored", change.name, change.account,
                                        reason="endpointManagement is SERVICE")
        else:
            client = ec2 if ec2 is not None else aws.client("ec2", settings.region)
            outcome = reconcile.handle(client, change, settings.allowed_vpcs)
    except events.RejectedEvent as exc:
        log.warning(json.dumps({"message": "event rejected", "reason": exc.reason, **ref}))
        return reconcile.Outcome("rejected", ref.get("environment"), reason=exc.reason)
    log.info(json.dumps({"message": f"event {outcome.action}", **ref, **outcome.as_dict()}))
    return outcome


def handler(event: Any, context: Any) -> dict[str, Any]:
    logs.configure()
    return process(event, Settings.from_env()).as_dict()
