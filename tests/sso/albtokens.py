"""Test helpers: ALB-style tokens (ES256, padded base64url, claims in the header) and a local key endpoint."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/sso-test/50dc6c495c0c9188"
OTHER_ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/other/0123456789abcdef"
ISSUER = "https://idp.example.com"
CLIENT_ID = "airflow-sso"


def b64(data: bytes, padded: bool = True) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if padded else text.rstrip("=")


@dataclass
class SigningKey:
    kid: str = field(default_factory=lambda: str(uuid.uuid4()))
    private: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, signing_input: bytes) -> bytes:
        r, s = decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def alb_token(key: SigningKey, claims: dict[str, Any], *, signer: str = ALB_ARN, kid: str | None = None,
              exp: float | None = None, alg: str = "ES256", issuer: str = ISSUER, client: str = CLIENT_ID,
              padded: bool = True, sign_with: SigningKey | None = None) -> str:
    """A token shaped like the ALB's x-amzn-oidc-data (header fields per the ALB documentation)."""
    exp = int(time.time()) + 120 if exp is None else int(exp)
    header = {"typ": "JWT", "kid": key.kid if kid is None else kid, "alg": alg, "iss": issuer,
              "client": client, "signer": signer, "exp": exp}
    payload = {"iss": issuer, "exp": exp, **claims}
    signing_input = f"{b64(json.dumps(header).encode(), padded)}.{b64(json.dumps(payload).encode(), padded)}"
    signature = (sign_with or key).sign(signing_input.encode())
    return f"{signing_input}.{b64(signature, padded)}"


@dataclass
class KeyServer:
    """Serves PEM public keys at /<kid> on loopback, counting requests per kid."""
    keys: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, key: SigningKey) -> SigningKey:
        self.keys[key.kid] = key.public_pem
        return key


@contextmanager
def key_server() -> Iterator[KeyServer]:
    state = KeyServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kid = self.path.lstrip("/")
            state.requests.append(kid)
            body = state.keys.get(kid)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
