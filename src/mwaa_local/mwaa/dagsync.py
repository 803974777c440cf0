"""Source bucket -> the environment's folders, read from the emulator's S3 (what MWAA's sync does).

``sync_prefix`` mirrors ``s3://bucket/<DagS3Path>/`` into the dags folder: new and changed objects (by
ETag) are downloaded to a temporary name and renamed into place, so the scheduler never parses half a
file; objects gone from the bucket are removed. ``fetch`` reads one object (optionally one version) for
requirements.txt, plugins.zip and the startup script.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = ".mwaa-local-sync.json"


@dataclass(frozen=True)
class SyncResult:
    downloaded: int
    removed: int
    files: int


def bucket_name(bucket_arn: str) -> str:
    return bucket_arn.split(":::", 1)[-1]


def _safe_relative(key: str, prefix: str) -> PurePosixPath | None:
    rel = PurePosixPath(key[len(prefix):].lstrip("/"))
    if not rel.parts or ".." in rel.parts or key.endswith("/"):
        return None
    return rel


def sync_prefix(s3: Any, bucket: str, prefix: str, dest: Path) -> SyncResult:
    prefix = prefix.strip("/")
    prefix = f"{prefix}/" if prefix else ""
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    try:
        seen: dict[str, str] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        seen = {}
    wanted: dict[str, str] = {}
    downloaded = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            rel = _safe_relative(obj["Key"], prefix)
            if rel is None:
                continue
            wanted[str(rel)] = obj["ETag"]
            target = dest / rel
            if seen.get(str(rel)) == obj["ETag"] and target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.mwaa-sync")
            s3.download_file(bucket, obj["Key"], str(tmp))
            os.replace(tmp, target)
            downloaded += 1
    removed = 0
    for gone in set(seen) - set(wanted):
        path = dest / gone
        if path.is_file():
            path.unlink()
            removed += 1
    manifest_path.write_text(json.dumps(wanted, sort_keys=True))
    return SyncResult(downloaded, removed, len(wanted))


def fetch(s3: Any, bucket: str, key: str, version: str | None, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    extra = {"VersionId": version} if version else {}
    body = s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    dest.write_bytes(body)
    return dest


def extract_plugins(archive: Path, plugins_dir: Path, keep: set[str]) -> int:
    """Replace the plugins folder's contents (except ``keep``) with the zip's; returns the member count."""
    plugins_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(plugins_dir.rglob("*"), reverse=True):
        if path.relative_to(plugins_dir).parts[0] in keep:
            continue
        if path.is_file() or path.is_symlink():
            path.unlink()
        elif path.is_dir():
            path.rmdir()
    with zipfile.ZipFile(archive) as zipped:
        members = [m for m in zipped.namelist() if not m.endswith("/")]
        for member in members:
            rel = PurePosixPath(member)
            if rel.is_absolute() or ".." in rel.parts or rel.parts[0] in keep:
                raise ValueError(f"plugins.zip member {member!r} would escape or replace the plugins folder")
        zipped.extractall(plugins_dir)
    return len(members)
