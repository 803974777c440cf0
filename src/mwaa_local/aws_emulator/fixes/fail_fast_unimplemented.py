"""Gap: moto answers an unimplemented action or an unknown service with HTTP 500, which the AWS SDKs
(Go and botocore) retry for 10+ minutes. Fix: answer HTTP 501, which no SDK retries, with an error body
that names the service and action, so Terraform and boto3 fail in seconds with a readable message."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def _message(service: str, action: str, detail: str) -> str:
    return f"The local AWS emulator does not implement {service}:{action} ({detail})."


def _body(service: str, action: str, detail: str, xml: bool = False) -> tuple[bytes, str]:
    """An error body in the protocol the client speaks: JSON for json/rest-json, XML for query/rest-xml."""
    message = _message(service, action, detail)
    if not xml:
        return json.dumps({"__type": "NotImplemented", "message": message}).encode(), "application/x-amz-json-1.1"
    text = escape(message)
    if service == "ec2":
        doc = (f"<Response><Errors><Error><Code>NotImplemented</Code><Message>{text}</Message></Error>"
               "</Errors><RequestID>emulator</RequestID></Response>")
    else:
        doc = (f"<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>{text}</Message>"
               "</Error><RequestId>emulator</RequestId></ErrorResponse>")
    return doc.encode(), "text/xml"


def _is_json(headers: Any) -> bool:
    return bool(headers.get("X-Amz-Target")) or "json" in (headers.get("Content-Type") or "")


def _respond(start_response: Any, service: str, action: str, detail: str, xml: bool) -> list[bytes]:
    body, content_type = _body(service, action, detail, xml)
    start_response("501 Not Implemented", [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", "NotImplemented"),
    ])
    return [body]


def _action(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.split(".")[-1]
    return f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}"


def on_app(app: Any) -> None:
    """Per-backend Flask app: an action moto has not implemented answers 501."""

    def handler(exc: NotImplementedError) -> Any:
        from flask import Response, request

        xml = not _is_json(request.headers)
        action = request.headers.get("X-Amz-Target") or request.values.get("Action") or request.path
        body, content_type = _body(str(getattr(app, "service", "?")), action, str(exc), xml)
        return Response(body, status=501, content_type=content_type,
                        headers={"x-amzn-ErrorType": "NotImplemented"})

    app.register_error_handler(NotImplementedError, handler)


def wrap_wsgi(app: Any) -> Any:
    """Dispatcher level: a request for a service moto has no backend for answers 501 before dispatch."""
    original_get_application = app.get_application

    def get_application(environ: dict[str, Any]) -> Any:
        try:
            return original_get_application(environ)
        except AttributeError as exc:  # moto.backends.get_backend(None): no backend matched
            raise _UnknownServiceError(str(exc)) from exc

    app.get_application = get_application

    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return app(environ, start_response)
        except _UnknownServiceError:
            match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
            service = match.group(2) if match else environ.get("HTTP_HOST", "?")
            xml = not (environ.get("HTTP_X_AMZ_TARGET") or "json" in environ.get("CONTENT_TYPE", ""))
            return _respond(start_response, service, _action(environ), "no such service in the emulator", xml)

    middleware.dispatcher = app  # type: ignore[attr-defined]
    return middleware


class _UnknownServiceError(Exception):
    pass
