"""Steps without a lease, run on every schedule tick: the health decision, the healthy path's stored
configuration of the primary, and the failback's preconditions."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.failover import health
from mwaa_platform.failover.errors import RefusedError
from mwaa_platform.failover.state import now_iso
from mwaa_platform.failover.step_types import Call, get_environment


def evaluate_health(call: Call) -> dict[str, Any]:
    """Decide from several signals over several periods whether the primary is unhealthy."""
    ctx, primary = call.ctx, call.ctx.primary
    doc = ctx.store().read().doc
    if doc.get("active_region") != primary.region:
        return {"decision": "failed_over", "active_region": doc.get("active_region"),
                "summary": f"already failed over: {doc.get('active_region')} is active"}
    report = health.evaluate(ctx.client("cloudwatch", primary.region), ctx.client("mwaa", primary.region),
                             primary.environment, ctx.config.health, ctx.now())
    return {"decision": report.decision, "summary": report.summary(), "report": report.to_dict()}


def store_config(call: Call) -> dict[str, Any]:
    """While healthy: keep the primary's GetEnvironment in the secondary bucket (only written when it changed)."""
    ctx, primary, config = call.ctx, call.ctx.primary, call.ctx.config
    try:
        env = get_environment(ctx.client("mwaa", primary.region), primary.environment)
    except (ClientError, BotoCoreError) as exc:
        return {"stored": False, "reason": f"GetEnvironment failed: {exc}"}
    if env is None:
        return {"stored": False, "reason": f"{primary.environment} does not exist in {primary.region}"}
    for volatile in ("Status", "LastUpdate", "CeleryExecutorQueue", "DatabaseVpcEndpointService",
                     "WebserverVpcEndpointService", "WebserverUrl"):
        env.pop(volatile, None)
    body = json.dumps({"source_region": primary.region, "environment": env}, default=str, sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()
    s3 = ctx.client("s3", config.secondary_region)
    try:
        head = s3.head_object(Bucket=config.config_bucket, Key=config.stored_config_key)
        if head.get("Metadata", {}).get("sha256") == digest:
            return {"stored": True, "changed": False, "key": config.stored_config_key}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=config.config_bucket, Key=config.stored_config_key, Body=body.encode(),
                  ContentType="application/json", Metadata={"sha256": digest, "stored-at": now_iso(ctx.now())})
    return {"stored": True, "changed": True, "key": config.stored_config_key}


def check_failback(call: Call) -> dict[str, Any]:
    """Failback preconditions: the secondary is active and the primary environment is AVAILABLE again."""
    ctx, primary = call.ctx, call.ctx.primary
    doc = ctx.store().read().doc
    if doc.get("active_region") != ctx.secondary.region:
        raise RefusedError(f"failback needs the secondary ({ctx.secondary.region}) to be active; "
                      f"{doc.get('active_region')} is active")
    env = get_environment(ctx.client("mwaa", primary.region), primary.environment)
    if env is None or env.get("Status") != "AVAILABLE":
        status = env.get("Status") if env else "missing"
        raise RefusedError(f"the primary environment {primary.environment} in {primary.region} is {status}: "
                      "re-apply the primary stack (make apply REGION=<primary>) until it is AVAILABLE")
    if not ctx.config.failback_backup_url:
        raise RefusedError("failback_backup_url is not configured: set it to the secondary environment's "
                      "DR backup location (dr-failover variable failback_backup_url)")
    return {"ready": True, "primary_status": env.get("Status")}
