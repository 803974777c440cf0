"""Gap: moto returns an SQS queue's RedrivePolicy as json.dumps() output with spaces, so Terraform's
aws_sqs_queue.redrive_policy (compared as a string) shows a permanent diff. Fix: return it in the compact
form SQS itself returns ({"deadLetterTargetArn":"...","maxReceiveCount":5})."""

from __future__ import annotations

import contextlib
import json
from typing import Any


def apply() -> None:
    from moto.sqs.models import Queue

    original = Queue.attributes
    if getattr(original, "_mwaa_platform_fixed", False):
        return

    def attributes(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = original.fget(self)  # type: ignore[union-attr]
        for key in ("RedrivePolicy", "RedriveAllowPolicy"):
            value = result.get(key)
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    result[key] = json.dumps(json.loads(value), separators=(",", ":"))
        return result

    prop = property(attributes)
    prop.fget._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    Queue.attributes = prop  # type: ignore[method-assign,assignment]
