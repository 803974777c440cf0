"""Gap: moto's EventBridge delivers only to SQS, Logs, event buses, archives and HTTP targets; a matching
rule with a Lambda or Step Functions target makes the whole PutEvents fail. Fix: deliver to those targets
as AWS does: Lambda asynchronously (only if the function's resource policy lets events.amazonaws.com
invoke it from this rule, as in AWS), Step Functions by StartExecution; when delivery fails after the
target's RetryPolicy, the event goes to the target's DeadLetterConfig queue. Input, InputPath and
InputTransformer are applied. Other target kinds keep moto's behaviour."""

from __future__ import annotations

import copy
import json
import logging
import threading
from typing import Any

log = logging.getLogger("mwaa_platform.emulator.events")
OURS = {"lambda", "states"}
MAX_DELIVERY_ATTEMPTS = 3  # the emulator caps RetryPolicy.MaximumRetryAttempts (AWS default 185 over 24h)


class DeliveryError(Exception):
    pass


def _service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def _input_for(target: dict[str, Any], event: dict[str, Any]) -> str:
    from moto.events.models import EventTemplateParser

    if "Input" in target and target["Input"] is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        node: Any = event
        for part in target["InputPath"].lstrip("$").strip(".").split("."):
            if part:
                node = node.get(part) if isinstance(node, dict) else None
        return json.dumps(node)
    transformer = target.get("InputTransformer")
    if transformer:
        rendered = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
        return rendered if isinstance(rendered, str) else json.dumps(rendered)
    return json.dumps(event, default=str)


def _allowed(fn: Any, rule_arn: str) -> bool:
    """Does the function's resource policy let EventBridge invoke it for this rule?"""
    for stmt in fn.policy.statements:
        principal = stmt.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else principal
        if service != "events.amazonaws.com" or stmt.get("Effect", "Allow") != "Allow":
            continue
        source = stmt.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
        if source in (None, rule_arn):
            return True
    return False


def _deliver_lambda(rule: Any, target: dict[str, Any], payload: str) -> None:
    from moto.awslambda.models import lambda_backends

    from mwaa_local.aws_emulator.fixes.lambda_runs_handlers import run_async

    arn = target["Arn"]
    account, region = arn.split(":")[4], arn.split(":")[3]
    try:
        fn = lambda_backends[account][region].get_function(arn)
    except Exception as exc:  # moto raises its own not-found exception types
        raise DeliveryError(f"function {arn} not found") from exc
    if not _allowed(fn, rule.arn):
        raise DeliveryError(f"resource policy of {fn.function_name} does not allow events.amazonaws.com from "
                            f"{rule.arn} (add an aws_lambda_permission)")
    run_async(fn, payload)


def _deliver_sfn(target: dict[str, Any], payload: str) -> None:
    from moto.stepfunctions.responses import get_backend

    arn = target["Arn"]
    account, region = arn.split(":")[4], arn.split(":")[3]
    try:
        get_backend(account, region).start_execution(arn, None, payload)
    except Exception as exc:
        raise DeliveryError(f"StartExecution on {arn} failed: {exc}") from exc


def _dead_letter(target: dict[str, Any], event: dict[str, Any], reason: str) -> None:
    from moto.sqs.models import sqs_backends

    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    log.warning("EventBridge could not deliver to %s: %s", target["Arn"], reason)
    if not dlq:
        return
    parts = dlq.split(":")
    sqs_backends[parts[4]][parts[3]].send_message(
        queue_name=parts[5], message_body=json.dumps(event, default=str),
        message_attributes={"ERROR_MESSAGE": {"DataType": "String", "StringValue": reason[:256]}},
    )


def deliver(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    payload = _input_for(target, event)
    attempts = min(MAX_DELIVERY_ATTEMPTS,
                   1 + int((target.get("RetryPolicy") or {}).get("MaximumRetryAttempts", MAX_DELIVERY_ATTEMPTS)))
    last = ""
    for _ in range(max(1, attempts)):
        try:
            if _service(target["Arn"]) == "lambda":
                _deliver_lambda(rule, target, payload)
            else:
                _deliver_sfn(target, payload)
            return
        except DeliveryError as exc:
            last = str(exc)
    _dead_letter(target, event, last)


def apply() -> None:
    from moto.events.models import Rule

    original = Rule.send_to_targets
    if getattr(original, "_mwaa_platform_fixed", False):
        return

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if _service(t["Arn"]) in OURS]
        others = [t for t in self.targets if _service(t["Arn"]) not in OURS]
        if others:
            view = copy.copy(self)
            view.targets = others
            original(view, original_event, transform_input)
        for target in ours:
            # PutEvents returns before targets run, as in AWS
            threading.Thread(target=deliver, args=(self, target, dict(original_event)), daemon=True).start()

    send_to_targets._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
