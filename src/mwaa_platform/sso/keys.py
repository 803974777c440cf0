"""The ALB's public signing keys, fetched by key id from the region's key endpoint, with a small cache.

Keys never change for a given kid, so a fetched key is kept (bounded number of entries, bounded age);
failures are not cached. The kid is checked before it becomes part of a URL, the download is size- and
time-bounded, and the body must be an EC P-256 public key in PEM.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

KID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MAX_KEY_BYTES = 4096


class KeyFetchError(Exception):
    """The public key for a kid could not be had (network, HTTP status, or not an EC P-256 key)."""


def default_base_url(region: str) -> str:
    """The ALB public key endpoint for ``region`` (GovCloud publishes its keys in S3)."""
    if region.startswith("us-gov-"):
        return f"https://s3-{region}.amazonaws.com/aws-elb-public-keys-prod-{region}"
    return f"https://public-keys.auth.elb.{region}.amazonaws.com"


def check_kid(kid: object) -> str:
    if not isinstance(kid, str) or not KID.match(kid):
        raise KeyFetchError("key id has an unexpected shape")
    return kid


@dataclass
class AlbPublicKeys:
    base_url: str
    timeout: float = 3.0
    max_entries: int = 16
    max_age: float = 3600.0
    _cache: OrderedDict[str, tuple[float, ec.EllipticCurvePublicKey]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("the key endpoint must be https (plain http only on loopback, for tests)")
        self.base_url = self.base_url.rstrip("/")

    def get(self, kid: str) -> ec.EllipticCurvePublicKey:
        kid = check_kid(kid)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(kid)
            if hit and now - hit[0] < self.max_age:
                self._cache.move_to_end(kid)
                return hit[1]
        key = self._fetch(kid)
        with self._lock:
            self._cache[kid] = (now, key)
            self._cache.move_to_end(kid)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return key

    def _fetch(self, kid: str) -> ec.EllipticCurvePublicKey:
        url = f"{self.base_url}/{kid}"
        try:
            # a fresh opener: urlopen's process-wide one keeps the proxy settings of its first use
            opener = urllib.request.build_opener()
            with opener.open(url, timeout=self.timeout) as resp:  # scheme checked in __post_init__
                body = resp.read(MAX_KEY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise KeyFetchError(f"key endpoint answered HTTP {exc.code} for kid {kid}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise KeyFetchError(f"key endpoint unreachable: {type(exc).__name__}") from None
        if len(body) > MAX_KEY_BYTES:
            raise KeyFetchError("key endpoint answered more than a public key")
        try:
            key = load_pem_public_key(body)
        except ValueError:
            raise KeyFetchError("key endpoint did not answer a PEM public key") from None
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise KeyFetchError("key endpoint answered a key that is not EC P-256")
        return key
