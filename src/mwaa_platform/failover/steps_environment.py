"""The target environment: CreateEnvironment from the stored configuration (backup_restore) or the standby
checked (warm_standby), then polled until AVAILABLE."""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from mwaa_platform.failover.errors import EnvironmentFailedError, RefusedError, StepFailedError, StepTimeoutError
from mwaa_platform.failover.step_types import Call, _seconds_since, get_environment

CREATING = {"CREATING", "PENDING", "UPDATING"}
ENV_FAILED = {"CREATE_FAILED", "UNAVAILABLE", "UPDATE_FAILED", "DELETING", "DELETED"}
OBJECT_VERSION_KEYS = {"PluginsS3ObjectVersion", "RequirementsS3ObjectVersion", "StartupScriptS3ObjectVersion"}
CREATE_KEYS = ("AirflowVersion", "EnvironmentClass", "MaxWorkers", "MinWorkers", "MaxWebservers", "MinWebservers",
               "Schedulers", "DagS3Path", "PluginsS3Path", "RequirementsS3Path", "StartupScriptS3Path",
               "AirflowConfigurationOptions", "WebserverAccessMode", "WeeklyMaintenanceWindowStart",
               "EndpointManagement", "Tags", "ExecutionRoleArn", "SourceBucketArn", "KmsKey")


def create_params(stored: dict[str, Any], overrides: dict[str, Any], name: str) -> dict[str, Any]:
    """CreateEnvironment input from a stored GetEnvironment, with the secondary's overrides applied."""
    params: dict[str, Any] = {"Name": name}
    for key in CREATE_KEYS:
        if stored.get(key) not in (None, "", {}, []):
            params[key] = stored[key]
    network = stored.get("NetworkConfiguration") or {}
    if network:
        params["NetworkConfiguration"] = {k: v for k, v in network.items() if k in ("SubnetIds", "SecurityGroupIds")}
    logging_conf = stored.get("LoggingConfiguration") or {}
    if logging_conf:
        params["LoggingConfiguration"] = {
            module: {"Enabled": bool(conf.get("Enabled")), **({"LogLevel": conf["LogLevel"]} if conf.get("LogLevel")
                                                               else {})}
            for module, conf in logging_conf.items() if isinstance(conf, dict)}
    for key, value in overrides.items():
        if key in ("AirflowConfigurationOptions", "Tags"):
            params[key] = {**(params.get(key) or {}), **value}
        else:
            params[key] = value
    missing = [k for k in ("NetworkConfiguration", "SourceBucketArn", "ExecutionRoleArn") if k not in overrides]
    if stored.get("KmsKey") and "KmsKey" not in overrides:
        missing.append("KmsKey")
    if missing:
        raise RefusedError(f"secondary_overrides must set {missing}: they are regional and the stored primary values "
                      "do not exist in the secondary")
    older = _older_version(params.get("AirflowVersion"), stored.get("AirflowVersion"))
    if older:
        raise RefusedError(older)
    for key in OBJECT_VERSION_KEYS:
        params.pop(key, None)
    return params


def _older_version(target: Any, source: Any) -> str | None:
    """Why a secondary on ``target`` cannot take the primary's history from ``source`` (None: it can).

    A restore goes forward only (Airflow's migrations upgrade a snapshot; none downgrades one it does not know).
    The Lambda zip carries no version table (import contracts): versions compare as MAJOR.MINOR.PATCH numbers."""
    if not target or not source:
        return None
    parsed = [tuple(int(p) for p in str(v).split(".")) if re.fullmatch(r"\d+\.\d+\.\d+", str(v)) else None
              for v in (target, source)]
    if parsed[0] is None or parsed[1] is None:
        bad = target if parsed[0] is None else source
        return f"secondary_overrides AirflowVersion: not an Airflow version: {bad!r} (expected MAJOR.MINOR.PATCH)"
    if parsed[0] >= parsed[1]:
        return None
    return (f"secondary_overrides AirflowVersion {target} is older than the primary's {source}: a restore only "
            "goes forward (Airflow's migrations upgrade a snapshot, none downgrades it); set the secondary's "
            f"airflow_version to {source} or newer")


def create_environment(call: Call) -> dict[str, Any]:
    """backup_restore: CreateEnvironment from the stored configuration; warm_standby: the standby must exist."""
    ctx, target = call.ctx, call.plan.target
    mwaa = call.mwaa(target)
    existing = get_environment(mwaa, target.environment)
    if existing is not None:
        status = existing.get("Status")
        if status in ENV_FAILED:
            raise EnvironmentFailedError(f"{target.environment} in {target.region} exists in status {status} "
                                    f"({(existing.get('LastUpdate') or {}).get('Error')}); delete it (or fix it) "
                                    "and resume")
        return {"created": False, "existing": True, "status": status, "arn": existing.get("Arn")}
    if ctx.config.dr_mode == "warm_standby" or call.plan.kind == "failback":
        raise EnvironmentFailedError(f"the {target.role} environment {target.environment} does not exist in "
                                f"{target.region}: apply the {target.role} stack (warm standby) or set "
                                "dr_mode = backup_restore")
    s3 = ctx.client("s3", ctx.config.secondary_region)
    try:
        stored = json.loads(s3.get_object(Bucket=ctx.config.config_bucket,
                                          Key=ctx.config.stored_config_key)["Body"].read())
    except ClientError as exc:
        raise StepFailedError(f"no stored configuration at s3://{ctx.config.config_bucket}/"
                         f"{ctx.config.stored_config_key} ({exc.response.get('Error', {}).get('Code')}): the "
                         "healthy-path store_config never ran; create the environment by hand and resume") from None
    params = create_params(stored["environment"], ctx.config.secondary_overrides, target.environment)
    try:
        arn = mwaa.create_environment(**params)["Arn"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise EnvironmentFailedError(f"CreateEnvironment {target.environment} in {target.region} failed: "
                                f"{error.get('Code')}: {error.get('Message')}") from None
    return {"created": True, "arn": arn, "airflow_version": params.get("AirflowVersion"),
            "environment_class": params.get("EnvironmentClass")}


def wait_available(call: Call) -> dict[str, Any]:
    """One poll of the target's status: done when AVAILABLE; fails on a failed status or after the timeout."""
    ctx, target = call.ctx, call.plan.target
    env = get_environment(call.mwaa(target), target.environment)
    status = env.get("Status") if env else "MISSING"
    if status == "AVAILABLE":
        return {"done": True, "status": status}
    if status in ENV_FAILED or env is None:
        error = (env or {}).get("LastUpdate", {}).get("Error") if env else None
        raise EnvironmentFailedError(f"{target.environment} in {target.region} is {status}: {error}")
    waited = _seconds_since(ctx, ctx.step_started_at)
    if waited > ctx.config.wait_available_timeout_seconds:
        raise StepTimeoutError(f"{target.environment} still {status} after {int(waited)} s")
    return {"done": False, "status": status, "waited_seconds": int(waited)}
