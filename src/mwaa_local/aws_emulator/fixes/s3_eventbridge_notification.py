"""Gap: moto stores a bucket's EventBridge notification switch but GetBucketNotificationConfiguration leaves
out <EventBridgeConfiguration/>, so aws_s3_bucket_notification { eventbridge = true } re-plans false -> true
forever. Fix: report the (empty) EventBridgeConfiguration element whenever the switch is on, as S3 does."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_notification
    if getattr(original, "_mwaa_platform_fixed", False):
        return

    def get_bucket_notification(self: Any) -> Any:
        config = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if config is None or config.event_bridge is None:
            return original(self)
        result = original(self)
        status, headers, body = result if isinstance(result, tuple) else (200, {}, result)
        text = body.decode() if isinstance(body, bytes) else str(body)
        if "<EventBridgeConfiguration" not in text:
            if "</NotificationConfiguration>" in text:
                text = text.replace("</NotificationConfiguration>",
                                    "<EventBridgeConfiguration></EventBridgeConfiguration></NotificationConfiguration>")
            else:  # an otherwise empty configuration
                text = ('<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration '
                        'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><EventBridgeConfiguration>'
                        "</EventBridgeConfiguration></NotificationConfiguration>")
        headers = dict(headers or {})
        headers.pop("Content-Length", None)
        headers.pop("content-length", None)
        return status, headers, text

    get_bucket_notification._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    S3Response.get_bucket_notification = get_bucket_notification  # type: ignore[method-assign]
