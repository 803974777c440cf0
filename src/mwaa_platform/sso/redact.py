"""A logging filter that masks anything shaped like a JWT, a web login token or AWS credentials.

The authenticator never passes secrets to a logger; this filter is the second line of defence against a
library (or a future change) that does, e.g. by logging an exception that embeds a response.
"""

from __future__ import annotations

import logging
import re

MASK = "[REDACTED]"
RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}={0,2}\.[A-Za-z0-9_-]{5,}={0,2}\.[A-Za-z0-9_-]*={0,2}"), MASK),  # JWT / JWS
    (re.compile(r"\bA(?:SIA|KIA)[A-Z0-9]{16}\b"), MASK),                                           # access key id
    (re.compile(r"(?i)((?:secret_?access_?key|session_?token|web_?token|client_?secret)['\"]?\s*[:=]\s*['\"]?)"
                r"[^'\"\s,}]+"), rf"\g<1>{MASK}"),                                                    # key: value
    (re.compile(r"(aws-console-sso\?login=true#)\S+"), rf"\g<1>{MASK}"),                                # redirect
)


def redact(text: str) -> str:
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            # formatted tracebacks can embed values; keep the type, drop the rest
            exc_type = record.exc_info[0]
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.msg} [{exc_type.__name__ if exc_type else 'exception'}; details redacted]"
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to ``logger`` (root by default) and its handlers, once."""
    target = logger or logging.getLogger()
    for owner in [target, *target.handlers]:
        if not any(isinstance(f, RedactingFilter) for f in owner.filters):
            owner.addFilter(RedactingFilter())
