"""Loopback port helpers for the embedded default's services."""

from __future__ import annotations

import socket
import time


class PortBusyError(RuntimeError):
    """A service was asked to bind a loopback port that something else already answers on."""


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free right now (small race window; callers re-check on bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ensure_free(port: int, what: str, env_var: str) -> None:
    if is_listening(port):
        raise PortBusyError(
            f"{what}: port {port} on 127.0.0.1 is already in use by another process; refusing to talk to "
            f"a server we did not start. Stop that process or choose another port with {env_var}=<port>."
        )


def wait_listening(port: int, timeout: float, what: str, alive: object = None) -> None:
    """Wait until ``port`` accepts connections; ``alive`` is an optional callable that says the process lives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening(port):
            return
        if callable(alive) and not alive():
            raise RuntimeError(f"{what} exited before it listened on port {port}")
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")
