#!/usr/bin/env python3
"""One-time copy of objects that existed before replication was enabled (S3 replicates only new writes).

For each source -> replica pair (from `terraform output -json replication` of modules/dr-storage, or given on
the command line) every current object under the prefix is copied to the replica bucket, re-encrypted with the
replica key, with the source version id recorded in the replica's metadata. Idempotent: an object whose replica
already carries its current version id, or whose replica is newer (replication got there first), is skipped;
a second run copies nothing. Large objects are copied in parts (managed copy).

    dr_initial_copy.py --pairs replication.json [--dry-run] [--json] [--workers 8]
    dr_initial_copy.py --source B --destination B2 --destination-region us-west-2 --kms-key ARN [--prefix P]

On real AWS, S3 Batch Replication does the same job server-side and is preferable for millions of objects.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SOURCE_VERSION = "mwaa-platform-source-version"
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=120)


@dataclass(frozen=True)
class Pair:
    source_bucket: str
    destination_bucket: str
    destination_region: str
    replica_kms_key: str | None = None
    prefix: str = ""


@dataclass
class Result:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"copied": len(self.copied), "skipped": len(self.skipped), "failed": self.failed,
                "copied_keys": self.copied}


def pairs_from_output(doc: dict[str, Any]) -> list[Pair]:
    """Pairs from dr-storage's `replication` output (`terraform output -json replication`)."""
    doc = doc.get("value", doc) if isinstance(doc, dict) else doc
    if not isinstance(doc, dict) or not doc:
        raise ValueError("the replication document must map source buckets to {destination_bucket, ...}")
    pairs = []
    for source, target in sorted(doc.items()):
        try:
            pairs.append(Pair(source, target["destination_bucket"], target["destination_region"],
                              target.get("replica_kms_key"), target.get("prefix") or ""))
        except (KeyError, TypeError):
            raise ValueError(f"{source}: needs destination_bucket and destination_region") from None
    return pairs


def _client(region: str | None) -> Any:
    return boto3.session.Session(region_name=region).client("s3", config=CLIENT_CONFIG)


def _needs_copy(dest: Any, pair: Pair, obj: dict[str, Any], version: str | None) -> bool:
    try:
        head = dest.head_object(Bucket=pair.destination_bucket, Key=obj["Key"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return True
        raise
    copied_from = head.get("Metadata", {}).get(SOURCE_VERSION)
    if copied_from is not None:  # an earlier initial copy: copy again only if the source has changed since
        return copied_from != (version or "null")
    return bool(head["LastModified"] < obj["LastModified"])  # a newer replica wins: replication got there first


def copy_pair(pair: Pair, dry_run: bool = False, workers: int = 8, source: Any = None, dest: Any = None) -> Result:
    source = source or _client(None)
    dest = dest or _client(pair.destination_region)
    result = Result()
    objects = [obj for page in source.get_paginator("list_objects_v2").paginate(Bucket=pair.source_bucket,
                                                                                  Prefix=pair.prefix)
               for obj in page.get("Contents", [])]

    def one(obj: dict[str, Any]) -> None:
        key = obj["Key"]
        try:
            head = source.head_object(Bucket=pair.source_bucket, Key=key)
            version = head.get("VersionId")
            if not _needs_copy(dest, pair, obj, version):
                result.skipped.append(key)
                return
            if dry_run:
                result.copied.append(key)
                return
            extra: dict[str, Any] = {"MetadataDirective": "REPLACE",
                                     "Metadata": {**head.get("Metadata", {}), SOURCE_VERSION: version or "null"},
                                     "ContentType": head.get("ContentType") or "binary/octet-stream"}
            if pair.replica_kms_key:
                extra.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=pair.replica_kms_key)
            copy_source: dict[str, Any] = {"Bucket": pair.source_bucket, "Key": key}
            if version and version != "null":
                copy_source["VersionId"] = version
            dest.copy(copy_source, pair.destination_bucket, key, ExtraArgs=extra, SourceClient=source)
            result.copied.append(key)
        except ClientError as exc:
            result.failed[key] = str(exc)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one, objects))
    result.copied.sort()
    result.skipped.sort()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, help="JSON from `terraform output -json replication`")
    parser.add_argument("--source")
    parser.add_argument("--destination")
    parser.add_argument("--destination-region")
    parser.add_argument("--kms-key", help="replica KMS key ARN")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--dry-run", action="store_true", help="list what would be copied, copy nothing")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="machine-readable result")
    args = parser.parse_args(argv)
    try:
        if args.pairs:
            pairs = pairs_from_output(json.loads(args.pairs.read_text()))
        elif args.source and args.destination and args.destination_region:
            pairs = [Pair(args.source, args.destination, args.destination_region, args.kms_key, args.prefix)]
        else:
            parser.error("give --pairs FILE, or --source, --destination and --destination-region")
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = {}
    failed = False
    for pair in pairs:
        result = copy_pair(pair, dry_run=args.dry_run, workers=args.workers)
        summary[f"{pair.source_bucket} -> {pair.destination_bucket}"] = result.as_dict()
        failed = failed or bool(result.failed)
        if not args.json:
            verb = "would copy" if args.dry_run else "copied"
            print(f"{pair.source_bucket} -> {pair.destination_bucket}: {verb} {len(result.copied)}, "
                  f"skipped {len(result.skipped)}, failed {len(result.failed)}")
            for key, error in result.failed.items():
                print(f"  failed {key}: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=1, sort_keys=True))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
