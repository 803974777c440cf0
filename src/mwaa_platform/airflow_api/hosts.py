"""Base URLs for Airflow hosts: https unless the host is loopback, where the local MWAA serves plain http."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost"}


def is_loopback(hostname: str) -> bool:
    if hostname.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url(host: str) -> str:
    """``https://host[:port]`` for ``host``, ``host:port`` or a URL; plain http is accepted for loopback only.

    A bare loopback host (``127.0.0.1:8080``, as the local MWAA reports its WebServerHostname) gets http.
    """
    raw = host.strip().rstrip("/")
    if not raw:
        raise ValueError("empty Airflow host")
    parts = urlsplit(raw if "://" in raw else f"//{raw}")
    hostname = parts.hostname or ""
    if not hostname:
        raise ValueError(f"not a host name or URL: {host!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"give the Airflow host without a path: {host!r}")
    scheme = parts.scheme or ("http" if is_loopback(hostname) else "https")
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme {scheme!r} in {host!r}: use https (http only for 127.0.0.1)")
    if scheme == "http" and not is_loopback(hostname):
        raise ValueError(f"plain http is only allowed to a loopback host, not {hostname!r}: use https")
    return f"{scheme}://{parts.netloc}"
