"""Bounded exponential backoff around one AWS call, on top of botocore's own standard retries.

botocore already retries throttling and 5xx a few times within one call; this layer adds a slower, longer
backoff for the same transient errors plus EC2's eventual-consistency answers (a subnet or endpoint that
was just created and is not yet visible), then re-raises so that Lambda's asynchronous retries and the
dead-letter queue take over. Only error codes are logged, never request or response bodies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled", "TooManyRequestsException",
    "ServiceUnavailable", "Unavailable", "InternalError", "InternalFailure", "IncorrectState",
})
DEFAULT_ATTEMPTS = 4
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 8.0


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, (BotoConnectionError, ReadTimeoutError)):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in RETRYABLE_CODES or (isinstance(status, int) and status >= 500 and status != 501)
    return False


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def call(what: str, fn: Callable[..., T], *args: Any, attempts: int = DEFAULT_ATTEMPTS,
         base_delay: float = DEFAULT_BASE_DELAY, max_delay: float = DEFAULT_MAX_DELAY,
         sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``; transient errors are retried ``attempts - 1`` times, then raised."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            log.warning("%s failed with %s (attempt %d of %d); retrying in %.1fs",
                        what, error_code(exc), attempt, attempts, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
