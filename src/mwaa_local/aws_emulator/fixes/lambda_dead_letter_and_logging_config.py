"""Gap: moto drops a Lambda function's DeadLetterConfig and LoggingConfig, so aws_lambda_function shows a
permanent diff on dead_letter_config and logging_config, and a failed asynchronous invocation has nowhere to
go. Fix: keep both on create and update, report them in GetFunction/GetFunctionConfiguration as Lambda does
(LoggingConfig defaults to Text format and /aws/lambda/<name>), and after the asynchronous retries send the
failed event to the dead-letter queue (SQS) with Lambda's error attributes."""

from __future__ import annotations

from typing import Any


def _default_logging(fn: Any) -> dict[str, Any]:
    return {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}"}


def send_to_dead_letter(fn: Any, event: str, error: str) -> bool:
    """Deliver a failed asynchronous event to the function's SQS dead-letter queue; False if it has none."""
    from moto.sqs.models import sqs_backends

    target = (getattr(fn, "dead_letter_config", None) or {}).get("TargetArn", "")
    parts = target.split(":")
    if len(parts) < 6 or parts[2] != "sqs":
        return False
    sqs_backends[parts[4]][parts[3]].send_message(
        queue_name=parts[5], message_body=event,
        message_attributes={
            "RequestID": {"DataType": "String", "StringValue": "emulator"},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": error[:256]},
        },
    )
    return True


def apply() -> None:
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction, "_mwaa_platform_dlq_fixed", False):
        return
    original_init = LambdaFunction.__init__
    original_get = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def init(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.dead_letter_config = spec.get("DeadLetterConfig") or None
        self.logging_config = {**_default_logging(self), **(spec.get("LoggingConfig") or {})}

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config: dict[str, Any] = original_get(self, on_create)
        if getattr(self, "dead_letter_config", None) and self.dead_letter_config.get("TargetArn"):
            config["DeadLetterConfig"] = self.dead_letter_config
        config["LoggingConfig"] = getattr(self, "logging_config", None) or _default_logging(self)
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = config_updates["DeadLetterConfig"] or None
        if "LoggingConfig" in config_updates:
            self.logging_config = {**_default_logging(self), **(config_updates["LoggingConfig"] or {})}
        return original_update(self, config_updates)

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
    LambdaFunction._mwaa_platform_dlq_fixed = True  # type: ignore[attr-defined]
