"""Blue-green: the new environment's CloudWatch log groups, made before CreateEnvironment like the old one's.

MWAA writes to ``airflow-<environment>-<Module>`` and creates a missing group itself, without the customer key
or a retention. modules/mwaa-environment creates the old environment's groups with its KMS key, retention and
tags; the new environment's are copied from them, so its logs are encrypted from the first line and
`make adopt` later imports groups that already match the module (the plan after adoption is clean).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

# LoggingConfiguration member -> the suffix MWAA gives its log group
SUFFIXES = {"DagProcessingLogs": "DAGProcessing", "SchedulerLogs": "Scheduler", "TaskLogs": "Task",
            "WebserverLogs": "WebServer", "WorkerLogs": "Worker"}


def group_name(environment: str, suffix: str) -> str:
    return f"airflow-{environment}-{suffix}"


def _describe(logs: Any, name: str) -> dict[str, Any] | None:
    for group in logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", []):
        if group.get("logGroupName") == name:
            return dict(group)
    return None


def copy_groups(logs: Any, source: dict[str, Any], new_environment: str) -> dict[str, str]:
    """For every enabled module of ``source``'s LoggingConfiguration, create the new environment's group with
    the key, retention and tags of the source's group. Idempotent (an existing group is left as it is).
    Returns module -> what was done (created, exists, no source group)."""
    done: dict[str, str] = {}
    for module, suffix in SUFFIXES.items():
        if not ((source.get("LoggingConfiguration") or {}).get(module) or {}).get("Enabled"):
            continue
        target = group_name(new_environment, suffix)
        if _describe(logs, target) is not None:
            done[module] = "exists"
            continue
        old = _describe(logs, group_name(source["Name"], suffix))
        if old is None:
            done[module] = "no source group (MWAA creates it)"
            continue
        params: dict[str, Any] = {"logGroupName": target}
        if old.get("kmsKeyId"):
            params["kmsKeyId"] = old["kmsKeyId"]
        tags = logs.list_tags_log_group(logGroupName=old["logGroupName"]).get("tags") or {}
        if tags:
            params["tags"] = tags
        try:
            logs.create_log_group(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise
        if old.get("retentionInDays"):
            logs.put_retention_policy(logGroupName=target, retentionInDays=int(old["retentionInDays"]))
        done[module] = "created"
    return done
