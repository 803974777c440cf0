"""Gap: moto's ciphertext blob stores the key id in a fixed 36-byte field, but multi-Region key ids
("mrk-" + 32 hex digits) are 40 characters: the id is truncated on encrypt, so nothing sealed with a
multi-Region key (GenerateDataKey, Encrypt) can ever be decrypted, in any region. Fix: blobs of keys whose id
is not 36 characters carry a length-prefixed id (first byte 0, never a UUID character); 36-character ids keep
moto's format. And as in AWS, a KeyId that is the ARN of a key in another region is refused: a multi-Region
ciphertext decrypts in the secondary with the local replica (its ARN, or no KeyId), not the primary's ARN."""

from __future__ import annotations

from typing import Any

MARKER = 0


def apply() -> None:
    from moto.kms import utils

    original_serialize = utils._serialize_ciphertext_blob
    original_deserialize = utils._deserialize_ciphertext_blob

    def serialize(ciphertext: Any) -> bytes:
        key_id = ciphertext.key_id.encode("utf-8")
        if len(key_id) == utils.KEY_ID_LEN:
            return bytes(original_serialize(ciphertext=ciphertext))
        return bytes([MARKER, len(key_id)]) + key_id + ciphertext.iv + ciphertext.tag + ciphertext.ciphertext

    def deserialize(ciphertext_blob: bytes) -> Any:  # moto calls both with keyword arguments
        blob = ciphertext_blob
        if not blob or blob[0] != MARKER:
            return original_deserialize(ciphertext_blob=blob)
        size = blob[1]
        key_id = blob[2:2 + size].decode("utf-8")
        rest = blob[2 + size:]
        iv, tag = rest[:utils.IV_LEN], rest[utils.IV_LEN:utils.IV_LEN + utils.TAG_LEN]
        return utils.Ciphertext(key_id=key_id, iv=iv, ciphertext=rest[utils.IV_LEN + utils.TAG_LEN:], tag=tag)

    utils._serialize_ciphertext_blob = serialize
    utils._deserialize_ciphertext_blob = deserialize

    from moto.kms.exceptions import NotFoundException
    from moto.kms.models import KmsBackend

    original_decrypt = KmsBackend.decrypt

    def decrypt(self: Any, ciphertext_blob: bytes, encryption_context: dict[str, str],
                key_id: str | None = None) -> Any:
        parts = (key_id or "").split(":")
        if len(parts) >= 6 and parts[0] == "arn" and parts[3] and parts[3] != self.region_name:
            raise NotFoundException(f"Invalid keyId {key_id}: the key is in {parts[3]}, not {self.region_name}")
        return original_decrypt(self, ciphertext_blob, encryption_context, key_id)

    KmsBackend.decrypt = decrypt  # type: ignore[method-assign]
