"""A scripted HTTP server on 127.0.0.1 for transport tests: each test says how to answer, and every request
(method, path, headers, body) is recorded so tests can count retries and check what was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Seen, int], Reply]  # (request, index of this request) -> reply


class StubServer:
    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                req = Seen(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
                with stub._lock:
                    stub.seen.append(req)
                    index = len(stub.seen) - 1
                reply = stub.responder(req, index)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                payload = b"" if reply.body is None else (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode())
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if payload:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.seen]


@contextmanager
def stub(responder: Responder) -> Iterator[StubServer]:
    server = StubServer(responder)
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
