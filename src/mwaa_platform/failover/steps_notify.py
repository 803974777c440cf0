"""Notification: the operation's summary to SNS (best effort)."""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.failover.context import Context
from mwaa_platform.failover.step_types import Call
from mwaa_platform.failover.steps_fencing import _fence_result

log = logging.getLogger("mwaa_platform.failover")


def publish(ctx: Context, subject: str, message: dict[str, Any]) -> str | None:
    """SNS publish (best effort: a notification failure never stops the failover); the message id or None."""
    if not ctx.config.topic_arn:
        return None
    try:
        got = ctx.client("sns", ctx.config.secondary_region).publish(
            TopicArn=ctx.config.topic_arn, Subject=subject[:99],
            Message=json.dumps(message, default=str, sort_keys=True)[:200_000])
        message_id: str = got.get("MessageId", "")
        return message_id
    except (ClientError, BotoCoreError) as exc:
        log.warning("SNS publish failed: %s", exc)
        return None


def notify(call: Call) -> dict[str, Any]:
    """The summary of the operation to SNS: what happened, in which order, with the fencing result."""
    ctx, plan = call.ctx, call.plan
    timeline = {name: {k: step.get(k) for k in ("status", "started_at", "finished_at", "attempts")}
                for name, step in (call.operation.get("steps") or {}).items()}
    fence_result = _fence_result(call).get("result")
    message = {"env": ctx.config.env, "operation": call.op_id, "kind": plan.kind, "status": "completing",
               "from": plan.source.region, "to": plan.target.region, "fencing": fence_result,
               "timeline": timeline}
    message_id = publish(ctx, f"[mwaa-platform] {ctx.config.env}: {plan.kind} to {plan.target.region} completed",
                         message)
    return {"sent": message_id is not None, "message_id": message_id, "fencing": fence_result}
