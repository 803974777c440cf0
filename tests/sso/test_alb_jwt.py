"""ALB token verification: only a fresh token signed by this ALB's key, for this ALB, passes."""

from __future__ import annotations

import json
import time

import pytest

from mwaa_platform.sso.alb_jwt import Expectations, InvalidTokenError, verify
from mwaa_platform.sso.keys import AlbPublicKeys, KeyFetchError, default_base_url
from sso.albtokens import ALB_ARN, CLIENT_ID, ISSUER, OTHER_ALB_ARN, KeyServer, SigningKey, alb_token, b64

CLAIMS = {"sub": "00u1", "email": "Alice@Example.com", "groups": ["data-eng"]}
EXPECT = Expectations(signer=ALB_ARN, issuer=ISSUER, client_id=CLIENT_ID)


def check(token: str, keys: KeyServer, expect: Expectations = EXPECT) -> dict[str, object]:
    return verify(token, expect, AlbPublicKeys(keys.url).get)


def test_valid_token_passes(keys: KeyServer, signing_key: SigningKey) -> None:
    claims = check(alb_token(signing_key, CLAIMS), keys)
    assert claims["email"] == "Alice@Example.com"
    assert claims["groups"] == ["data-eng"]
    assert keys.requests == [signing_key.kid]


def test_valid_token_without_padding_passes_too(keys: KeyServer, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, CLAIMS, padded=False)
    assert "=" not in token
    assert check(token, keys)["sub"] == "00u1"


def test_alb_tokens_are_padded_and_still_pass(keys: KeyServer, signing_key: SigningKey) -> None:
    # pick claims whose encodings need padding, as the ALB sends them
    token = alb_token(signing_key, {**CLAIMS, "name": "A"}, padded=True)
    assert "=" in token
    assert check(token, keys)["name"] == "A"


@pytest.mark.parametrize(("case", "reason"), [
    ("wrong_signer", "not signed by this load balancer"),
    ("expired", "expired"),
    ("bad_signature", "signature does not verify"),
    ("tampered_payload", "signature does not verify"),
    ("unknown_kid", "HTTP 404"),
    ("kid_of_another_key", "signature does not verify"),
    ("kid_path_traversal", "unexpected shape"),
    ("alg_hs256", "not ES256"),
    ("alg_none", "not ES256"),
    ("wrong_issuer", "issuer"),
    ("wrong_client", "another OIDC client"),
    ("no_exp", "no expiry"),
])
def test_only_the_valid_token_passes(keys: KeyServer, signing_key: SigningKey, case: str, reason: str) -> None:
    other = keys.add(SigningKey())
    token = {
        "wrong_signer": lambda: alb_token(signing_key, CLAIMS, signer=OTHER_ALB_ARN),
        "expired": lambda: alb_token(signing_key, CLAIMS, exp=time.time() - 120),
        "bad_signature": lambda: alb_token(signing_key, CLAIMS, sign_with=SigningKey()),
        "tampered_payload": lambda: _swap_payload(alb_token(signing_key, CLAIMS), {**CLAIMS, "email": "eve@x.io"}),
        "unknown_kid": lambda: alb_token(signing_key, CLAIMS, kid="11111111-2222-3333-4444-555555555555"),
        "kid_of_another_key": lambda: alb_token(signing_key, CLAIMS, kid=other.kid),
        "kid_path_traversal": lambda: alb_token(signing_key, CLAIMS, kid="../../latest/meta-data"),
        "alg_hs256": lambda: alb_token(signing_key, CLAIMS, alg="HS256"),
        "alg_none": lambda: alb_token(signing_key, CLAIMS, alg="none"),
        "wrong_issuer": lambda: alb_token(signing_key, CLAIMS, issuer="https://evil.example.com"),
        "wrong_client": lambda: alb_token(signing_key, CLAIMS, client="someone-else"),
        "no_exp": lambda: _drop_header_exp(signing_key),
    }[case]()
    with pytest.raises(InvalidTokenError, match=reason) as err:
        check(token, keys)
    assert token not in str(err.value)
    # the signature of the control token verifies with the same fixtures, so the failure is the case's own
    assert check(alb_token(signing_key, CLAIMS), keys)["sub"] == "00u1"


def test_header_checks_run_before_any_key_fetch(keys: KeyServer, signing_key: SigningKey) -> None:
    for token in (alb_token(signing_key, CLAIMS, signer=OTHER_ALB_ARN),
                  alb_token(signing_key, CLAIMS, exp=time.time() - 60),
                  alb_token(signing_key, CLAIMS, kid="a/b")):
        with pytest.raises(InvalidTokenError):
            check(token, keys)
    assert keys.requests == []


def test_payload_expiry_is_enforced_too(keys: KeyServer, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, {**CLAIMS, "exp": int(time.time()) - 300})
    with pytest.raises(InvalidTokenError, match="expired"):
        check(token, keys)


def test_issuer_and_client_are_optional_checks(keys: KeyServer, signing_key: SigningKey) -> None:
    token = alb_token(signing_key, CLAIMS, issuer="https://other-idp.example.com", client="c2")
    assert check(token, keys, Expectations(signer=ALB_ARN))["sub"] == "00u1"


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "x" * 20000 + ".a.b", "!!!.e30=.sig"])
def test_malformed_tokens_are_rejected(keys: KeyServer, token: str) -> None:
    with pytest.raises(InvalidTokenError):
        check(token, keys)
    assert keys.requests == []


def test_keys_are_cached_per_kid(keys: KeyServer, signing_key: SigningKey) -> None:
    public_keys = AlbPublicKeys(keys.url)
    for _ in range(3):
        verify(alb_token(signing_key, CLAIMS), EXPECT, public_keys.get)
    assert keys.requests == [signing_key.kid]


def test_cache_is_bounded_and_failures_are_not_cached(keys: KeyServer) -> None:
    public_keys = AlbPublicKeys(keys.url, max_entries=2)
    a, b, c = (keys.add(SigningKey()) for _ in range(3))
    for k in (a, b, c, a):
        public_keys.get(k.kid)
    assert keys.requests == [a.kid, b.kid, c.kid, a.kid]  # a was evicted by c
    late = SigningKey()
    with pytest.raises(KeyFetchError, match="404"):
        public_keys.get(late.kid)
    keys.add(late)
    public_keys.get(late.kid)
    assert keys.requests[-2:] == [late.kid, late.kid]


def test_unreachable_key_endpoint_fails_fast() -> None:
    import socket
    with socket.socket() as sock:  # accepts connections, never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        public_keys = AlbPublicKeys(f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(KeyFetchError, match="unreachable"):
            public_keys.get("11111111-2222-3333-4444-555555555555")
        assert time.monotonic() - started < 3


def test_key_endpoint_must_answer_an_ec_p256_key(keys: KeyServer) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    keys.keys["k384"] = p384
    keys.keys["junk"] = b"hello"
    with pytest.raises(KeyFetchError, match="not EC P-256"):
        AlbPublicKeys(keys.url).get("k384")
    with pytest.raises(KeyFetchError, match="PEM"):
        AlbPublicKeys(keys.url).get("junk")


def test_key_endpoint_urls() -> None:
    assert default_base_url("eu-west-1") == "https://public-keys.auth.elb.eu-west-1.amazonaws.com"
    assert default_base_url("us-gov-west-1").startswith("https://s3-us-gov-west-1.amazonaws.com/")
    with pytest.raises(ValueError, match="https"):
        AlbPublicKeys("http://keys.example.com")


def _swap_payload(token: str, claims: dict[str, object]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64(json.dumps({'exp': int(time.time()) + 60, **claims}).encode())}.{signature}"


def _drop_header_exp(key: SigningKey) -> str:
    header = {"kid": key.kid, "alg": "ES256", "signer": ALB_ARN, "iss": ISSUER, "client": CLIENT_ID}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(CLAIMS).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"
