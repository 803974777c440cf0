"""Secrets in snapshots: Fernet (Airflow's at-rest encryption) in and out, KMS envelope encryption in S3.

Backup decrypts each secret value with the source environment's Fernet key(s) and seals it with AES-256-GCM
under a per-snapshot data key from KMS ``GenerateDataKey`` on the DR key; only the KMS-encrypted data key
(``CiphertextBlob``) is stored, in the manifest. The GCM associated data binds each value to its snapshot,
table, column and row, so ciphertexts cannot be moved between rows. Restore asks KMS to decrypt the data key
(same encryption context), opens the values and re-encrypts them with the target's Fernet key.
A reader of the bucket without ``kms:Decrypt`` on the DR key sees only ciphertext.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mwaa_platform import aws
from mwaa_platform.metadata.errors import ConfigurationError, MetadataError

SEALED_PREFIX = "mwaa-platform:v1:"
_NONCE = 12


class SecretError(MetadataError):
    """A secret could not be decrypted (wrong Fernet key, wrong KMS key, tampered ciphertext)."""


class FernetKeys:
    """Airflow's Fernet configuration: comma-separated keys, the first one encrypts, all of them decrypt."""

    def __init__(self, keys: str | None):
        parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
        try:
            self._fernet: MultiFernet | None = MultiFernet([Fernet(k.encode()) for k in parts]) if parts else None
        except ValueError as exc:
            raise ConfigurationError("the Fernet key is malformed (32 url-safe base64-encoded bytes expected)") from exc

    @property
    def configured(self) -> bool:
        return self._fernet is not None

    def decrypt(self, token: str) -> str:
        if self._fernet is None:
            raise SecretError("value is marked encrypted but no Fernet key is configured")
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretError("a value does not decrypt with this environment's Fernet key") from None

    def try_decrypt(self, token: str) -> str | None:
        """Plaintext, or None if the value is not a token of these keys (e.g. stored unencrypted)."""
        if self._fernet is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError, TypeError):
            return None

    def encrypt(self, plaintext: str) -> str:
        if self._fernet is None:
            raise ConfigurationError("the target environment has no Fernet key: cannot re-encrypt secrets")
        return self._fernet.encrypt(plaintext.encode()).decode()


_MRK_ARN = re.compile(r"^(arn:[^:]+:kms:)([^:]+)(:\d{12}:key/mrk-[0-9a-f-]{32,36})$")


def local_replica(kms_key_id: str, region: str | None) -> str:
    """The key to decrypt with in ``region``: a multi-Region key's ARN from another region becomes its replica's.

    A snapshot's manifest records the ARN of the key that sealed it, in the backup's region. KMS in the secondary
    refuses that ARN but decrypts the same ciphertext with the replica (same key material and id, this region).
    Any other key id is returned unchanged (a single-Region key cannot be used from another region at all).
    """
    match = _MRK_ARN.match(kms_key_id)
    if not match or not region or match.group(2) == region:
        return kms_key_id
    return f"{match.group(1)}{region}{match.group(3)}"


@dataclass
class DataKey:
    """A per-snapshot AES-256 data key: plaintext only in memory, ciphertext in the manifest."""

    plaintext: bytes
    ciphertext_b64: str
    kms_key_id: str
    context: dict[str, str]

    @classmethod
    def generate(cls, kms_key_id: str, context: dict[str, str], kms: Any = None) -> DataKey:
        kms = kms or aws.client("kms")
        resp = kms.generate_data_key(KeyId=kms_key_id, KeySpec="AES_256", EncryptionContext=context)
        return cls(resp["Plaintext"], base64.b64encode(resp["CiphertextBlob"]).decode(), resp["KeyId"], context)

    @classmethod
    def unwrap(cls, ciphertext_b64: str, kms_key_id: str, context: dict[str, str], kms: Any = None) -> DataKey:
        kms = kms or aws.client("kms")
        key_id = local_replica(kms_key_id, kms.meta.region_name)
        try:
            resp = kms.decrypt(CiphertextBlob=base64.b64decode(ciphertext_b64), EncryptionContext=context,
                               KeyId=key_id)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            raise SecretError(
                f"KMS refused to decrypt the snapshot's data key ({code}): the restoring role needs kms:Decrypt "
                f"on {key_id} (for a snapshot from another region: a multi-Region key with a replica here)"
            ) from None
        return cls(resp["Plaintext"], ciphertext_b64, kms_key_id, context)

    def sealer(self) -> Sealer:
        return Sealer(self.plaintext)


class Sealer:
    """AES-256-GCM over single values; output is text so it fits a COPY text column."""

    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, aad: str) -> str:
        nonce = os.urandom(_NONCE)
        ct = self._aead.encrypt(nonce, plaintext.encode(), aad.encode())
        return SEALED_PREFIX + base64.b64encode(nonce + ct).decode()

    def open(self, sealed: str, aad: str) -> str:
        if not sealed.startswith(SEALED_PREFIX):
            raise SecretError("a secret value in the snapshot is not sealed (tampered or foreign file)")
        raw = base64.b64decode(sealed[len(SEALED_PREFIX):])
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], aad.encode()).decode()
        except InvalidTag:
            raise SecretError("a sealed secret failed authentication (tampered, or moved between rows)") from None
