"""Retried SDK calls get the answer of the attempt that already succeeded, as AWS's idempotent APIs give.

Every AWS SDK names an operation call in the ``amz-sdk-invocation-id`` header, the same on every attempt, and
counts attempts in ``amz-sdk-request: attempt=N; max=M``. When an answer reaches the client late or not at all
(a loaded machine, a dropped connection), the SDK sends the call again. On AWS most create calls are then
answered from the first attempt (client tokens, idempotent names); moto executes the call a second time and
answers ``InvalidGroup.Duplicate``, ``ResourceConflictException`` or ``InvalidPermission.NotFound``, and a
Terraform apply fails on a resource that exists. This layer keeps the successful answers of mutating calls
for a few minutes and answers a retry of the same invocation with them; a retry that arrives while the first
attempt still runs waits for it. Failed attempts are never replayed: the retry runs again, as on AWS.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_log = logging.getLogger("mwaa_platform.emulator")

_ATTEMPT = re.compile(r"attempt=(\d+)")
_READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 64 << 10  # larger answers are not kept (a create call's answer is a few KB)
KEEP_SECONDS = 300.0
MAX_ENTRIES = 2048
WAIT_FOR_FIRST_SECONDS = 120.0


@dataclass
class _Call:
    done: threading.Event = field(default_factory=threading.Event)
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None  # None: not replayable (failed, too large, or still running)
    finished_at: float = 0.0


class RetryReplay:
    """WSGI middleware; ``app`` is the emulator's application."""

    def __init__(self, app: Callable[..., Iterable[bytes]], keep_seconds: float = KEEP_SECONDS,
                 max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.keep_seconds = keep_seconds
        self.max_entries = max_entries
        self.clock = clock
        self.replayed = 0
        self._calls: OrderedDict[str, _Call] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        if not invocation or environ.get("REQUEST_METHOD", "GET") in _READ_ONLY:
            return self.app(environ, start_response)
        match = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        attempt = int(match.group(1)) if match else 1
        key = f"{invocation} {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO', '')}"
        with self._lock:
            self._expire()
            previous = self._calls.get(key)
            if previous is None or attempt == 1:
                call = self._calls[key] = _Call()
                if attempt > 1:
                    _log.warning("retry %s (attempt %d): no earlier attempt arrived here; running it", key, attempt)
                previous = None
        if previous is not None:
            replay = self._replay(previous, key, attempt, start_response)
            if replay is not None:
                return replay
            with self._lock:
                call = self._calls[key] = _Call()
        return self._record(call, environ, start_response)

    def _replay(self, previous: _Call, key: str, attempt: int,
                start_response: Callable[..., Any]) -> list[bytes] | None:
        if not previous.done.wait(WAIT_FOR_FIRST_SECONDS) or previous.body is None:
            _log.warning("retry %s (attempt %d): the earlier attempt failed or is unknown; running it again",
                         key, attempt)
            return None
        self.replayed += 1
        _log.warning("retry %s (attempt %d): answered with the earlier attempt's %s", key, attempt,
                     previous.status)
        start_response(previous.status, list(previous.headers))
        return [previous.body]

    def _record(self, call: _Call, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        def recording_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            call.status, call.headers = status, list(headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            result = self.app(environ, recording_start)
            try:
                chunks = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            body = b"".join(chunks)
            if call.status[:1] == "2" and len(body) <= MAX_BODY:
                call.body = body
            return chunks
        finally:
            call.finished_at = self.clock()
            call.done.set()

    def _expire(self) -> None:
        now = self.clock()
        while self._calls:
            key, oldest = next(iter(self._calls.items()))
            stale = oldest.done.is_set() and now - oldest.finished_at > self.keep_seconds
            if not stale and len(self._calls) <= self.max_entries:
                break
            del self._calls[key]

