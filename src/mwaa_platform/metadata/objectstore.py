"""S3 access for snapshots: streamed multipart upload, streamed download, manifests, listing, deletion.

Every call goes through :func:`mwaa_platform.aws.client` (standard retries, bounded timeouts). Memory is
bounded by one part per open writer (``part_size``, 8 MiB by default), whatever the table size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mwaa_platform import aws
from mwaa_platform.metadata.errors import ConfigurationError, IncompleteSnapshotError, MetadataError

MIN_PART = 5 * 1024 * 1024


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str  # no leading/trailing slash; may be empty

    @classmethod
    def parse(cls, url: str) -> Location:
        if not url.startswith("s3://"):
            raise ConfigurationError(f"backup location must look like s3://bucket/prefix, got {url!r}")
        bucket, _, prefix = url[5:].partition("/")
        if not bucket:
            raise ConfigurationError(f"backup location {url!r} has no bucket")
        return cls(bucket, prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p)

    def url(self, *parts: str) -> str:
        return f"s3://{self.bucket}/{self.key(*parts)}"


def s3_client() -> Any:
    # large bodies stream for a while: a longer read timeout than the project default
    return aws.client("s3", read_timeout=120)


class MultipartWriter:
    """A write-only file object that uploads to one S3 key in parts; ``close()`` completes, ``abort()`` cleans."""

    def __init__(self, s3: Any, bucket: str, key: str, part_size: int = 8 * 1024 * 1024,
                 content_type: str = "application/octet-stream"):
        self._s3, self.bucket, self.key = s3, bucket, key
        self._part_size = max(part_size, MIN_PART)
        self._buf = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self._content_type = content_type
        self.sha256 = hashlib.sha256()
        self.bytes = 0
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        self._buf += data
        if len(self._buf) >= self._part_size:
            self._flush_part()
        return len(data)

    def _flush_part(self) -> None:
        if self._upload_id is None:
            resp = self._s3.create_multipart_upload(Bucket=self.bucket, Key=self.key, ContentType=self._content_type)
            self._upload_id = resp["UploadId"]
        body = bytes(self._buf)
        self._buf.clear()
        self.sha256.update(body)
        self.bytes += len(body)
        number = len(self._parts) + 1
        resp = self._s3.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
                                    PartNumber=number, Body=body)
        self._parts.append({"PartNumber": number, "ETag": resp["ETag"]})

    def close(self) -> None:
        if self.closed:
            return
        if self._upload_id is None:
            body = bytes(self._buf)
            self._buf.clear()
            self.sha256.update(body)
            self.bytes += len(body)
            self._s3.put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType=self._content_type)
        else:
            if self._buf:
                self._flush_part()
            self._s3.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
                                               MultipartUpload={"Parts": self._parts})
        self.closed = True

    def abort(self) -> None:
        self._buf.clear()
        if self._upload_id is not None and not self.closed:
            # best effort: prune also aborts stale uploads
            with contextlib.suppress(Exception):
                self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
        self.closed = True


def put_json(s3: Any, bucket: str, key: str, doc: dict[str, Any], create_only: bool = False) -> None:
    body = json.dumps(doc, indent=1, sort_keys=True).encode()
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": body, "ContentType": "application/json"}
    if create_only:
        params["IfNoneMatch"] = "*"  # S3 conditional write: never overwrite a manifest
    try:
        s3.put_object(**params)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            raise MetadataError(f"s3://{bucket}/{key} already exists: snapshots are immutable") from None
        raise


def get_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            return None
        raise
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise IncompleteSnapshotError(f"s3://{bucket}/{key} is not a JSON document") from None
    if not isinstance(doc, dict):
        raise IncompleteSnapshotError(f"s3://{bucket}/{key} is not a JSON object")
    return doc


def open_stream(s3: Any, bucket: str, key: str) -> Any:
    """The streaming body of an object (botocore StreamingBody: read(n) without loading it all)."""
    return s3.get_object(Bucket=bucket, Key=key)["Body"]


def list_objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Delete every object (and pending multipart upload) under prefix; returns objects deleted."""
    keys = [o["Key"] for o in list_objects(s3, bucket, prefix)]
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
    for upload in s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    return len(keys)
