"""Fixes for gaps measured in moto 5.2.5 with hashicorp/aws 5.100 (see shared EMULATOR-NOTES).

Each submodule closes one gap and exposes ``apply()`` (patches moto's models/responses in-process) and
optionally ``wrap_wsgi(app)`` / ``on_app(flask_app)``. The list below is the order they are applied in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

FIXES: list[str] = [
    "fail_fast_unimplemented",
    "s3_delete_marker_dispose",
    "sqs_compact_json_attributes",
    "stepfunctions_validate_and_versions",
    "stepfunctions_execution_names",
    "lambda_runs_handlers",
    "lambda_dead_letter_and_logging_config",
    "events_deliver_to_lambda_and_sfn",
    "events_cross_account_bus_targets",
    "ec2_security_group_rule_descriptions",
    "scheduler_fires_schedules",
    "ram_share_associations",
    "ram_get_resource_shares_filters",
    "ec2_ram_shared_subnets",
    "ec2_vpc_endpoint_client_token",
    "eks_access_entries",
    "eks_access_config",
    "eks_cluster_updates",
    "eks_nodegroup_remote_access",
    "presigned_query_auth",
    "s3_policy_conditions",
    "s3_replication_configuration_roundtrip",
    "dynamodb_atomic_conditional_writes",
    "kms_replica_keys",
    "kms_multi_region_ciphertexts",
    "stepfunctions_task_failure_cause",
    "s3_logging_target_policy",
    "s3_eventbridge_notification",
]


def _modules() -> list[Any]:
    return [importlib.import_module(f"{__name__}.{name}") for name in FIXES]


def apply_all() -> None:
    for mod in _modules():
        if hasattr(mod, "apply"):
            mod.apply()


def wrap_create_app(create_app: Callable[[Any], Any]) -> Callable[[Any], Any]:
    hooks = [mod.on_app for mod in _modules() if hasattr(mod, "on_app")]

    def create(service: Any) -> Any:
        app = create_app(service)
        for hook in hooks:
            hook(app)
        return app

    return create


def wrap_wsgi(app: Any) -> Any:
    for mod in _modules():
        if hasattr(mod, "wrap_wsgi"):
            app = mod.wrap_wsgi(app)
    return app
