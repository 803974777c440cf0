"""EMULATION of S3 cross-region replication for the embedded default (moto stores replication configurations
but never replicates). Never imported by product code: on real AWS, S3 replicates by itself.

For every bucket with a replication configuration, each enabled rule's new object versions under its prefix are
copied, oldest first, to the destination bucket with the rule's storage class and replica KMS key, the way S3
would: the replica keeps the key, body, content type and user metadata; delete markers are replicated only when
the rule says DeleteMarkerReplication = Enabled; replicas are never replicated again. Which source versions
were copied is kept in a JSON state file, so a restarted replicator does not copy twice.

    python -m mwaa_local.replication [--watch SECONDS] [--bucket NAME ...] [--state FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

log = logging.getLogger("mwaa_local.replication")
REPLICA_MARKER = "mwaa-platform-replica-of"
ClientFactory = Callable[[str], Any]  # region -> S3 client


def default_clients(region: str) -> Any:
    return boto3.session.Session(region_name=region).client(
        "s3", config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60))


@dataclass(frozen=True)
class Rule:
    source_bucket: str
    destination_bucket: str
    prefix: str
    storage_class: str | None
    replica_kms_key: str | None
    replicate_delete_markers: bool


@dataclass
class Report:
    copied: list[str] = field(default_factory=list)            # "<bucket>/<key>@<version>"
    delete_markers: list[str] = field(default_factory=list)
    skipped_delete_markers: int = 0
    seconds: float = 0.0

    def merge(self, other: Report) -> None:
        self.copied += other.copied
        self.delete_markers += other.delete_markers
        self.skipped_delete_markers += other.skipped_delete_markers


def rules_of(s3: Any, bucket: str) -> list[Rule]:
    """The enabled rules of ``bucket``'s replication configuration ([] when it has none)."""
    try:
        config = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ReplicationConfigurationNotFoundError", "NoSuchBucket"):
            return []
        raise
    rules = []
    for rule in config.get("Rules", []):
        if rule.get("Status") != "Enabled":
            continue
        prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix", "")) or ""
        destination = rule["Destination"]
        rules.append(Rule(
            source_bucket=bucket,
            destination_bucket=destination["Bucket"].split(":::")[-1],
            prefix=prefix,
            storage_class=destination.get("StorageClass"),
            replica_kms_key=(destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID"),
            replicate_delete_markers=(rule.get("DeleteMarkerReplication") or {}).get("Status") == "Enabled",
        ))
    return rules


class Replicator:
    def __init__(self, clients: ClientFactory = default_clients, state_file: Path | None = None,
                 home_region: str = "us-east-1") -> None:
        self.clients = clients
        self.state_file = state_file
        self.home_region = home_region
        self._done: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        if state_file and state_file.exists():
            self._done = json.loads(state_file.read_text())

    def _save(self) -> None:
        if self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            partial = self.state_file.with_suffix(".partial")
            partial.write_text(json.dumps(self._done, sort_keys=True))
            os.replace(partial, self.state_file)

    def _region_of(self, bucket: str) -> str:
        answer = self.clients(self.home_region).get_bucket_location(Bucket=bucket)
        return answer.get("LocationConstraint") or "us-east-1"

    def _versions(self, s3: Any, rule: Rule) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=rule.source_bucket, Prefix=rule.prefix):
            found += [{**v, "DeleteMarker": False} for v in page.get("Versions", [])]
            found += [{**m, "DeleteMarker": True} for m in page.get("DeleteMarkers", [])]
        # oldest first; S3 lists a key's versions newest first, which breaks ties within one second
        indexed = list(enumerate(found))
        indexed.sort(key=lambda item: (item[1]["LastModified"], item[1]["Key"], bool(item[1].get("IsLatest")),
                                       -item[0]))
        return [v for _, v in indexed]

    def replicate_rule(self, rule: Rule) -> Report:
        report = Report()
        source = self.clients(self._region_of(rule.source_bucket))
        destination = self.clients(self._region_of(rule.destination_bucket))
        done = set(self._done.get(rule.source_bucket, []))
        for version in self._versions(source, rule):
            ident = f"{version['Key']}@{version['VersionId']}"
            if ident in done:
                continue
            if version["DeleteMarker"]:
                if rule.replicate_delete_markers:
                    destination.delete_object(Bucket=rule.destination_bucket, Key=version["Key"])
                    report.delete_markers.append(f"{rule.source_bucket}/{ident}")
                else:
                    report.skipped_delete_markers += 1
            else:
                got = source.get_object(Bucket=rule.source_bucket, Key=version["Key"], VersionId=version["VersionId"])
                metadata = dict(got.get("Metadata") or {})
                if REPLICA_MARKER not in metadata:  # a replica is never replicated again
                    metadata[REPLICA_MARKER] = f"{rule.source_bucket}/{ident}"
                    params: dict[str, Any] = {"Bucket": rule.destination_bucket, "Key": version["Key"],
                                              "Body": got["Body"].read(), "Metadata": metadata,
                                              "ContentType": got.get("ContentType") or "binary/octet-stream"}
                    if rule.storage_class:
                        params["StorageClass"] = rule.storage_class
                    if rule.replica_kms_key:
                        params.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=rule.replica_kms_key)
                    destination.put_object(**params)
                    report.copied.append(f"{rule.source_bucket}/{ident}")
            done.add(ident)
            with self._lock:
                self._done[rule.source_bucket] = sorted(done)
        with self._lock:
            self._save()
        return report

    def replicate(self, buckets: list[str] | None = None) -> Report:
        """One pass over ``buckets`` (default: every bucket of the account that has a replication configuration)."""
        started = time.monotonic()
        home = self.clients(self.home_region)
        names = buckets if buckets is not None else [b["Name"] for b in home.list_buckets().get("Buckets", [])]
        total = Report()
        for name in names:
            for rule in rules_of(home, name):
                total.merge(self.replicate_rule(rule))
        total.seconds = round(time.monotonic() - started, 3)
        return total

    def watch(self, interval: float, stop: threading.Event, buckets: list[str] | None = None,
              on_pass: Callable[[Report], None] | None = None) -> None:
        """Replicate every ``interval`` seconds until ``stop`` is set (errors are logged, never fatal)."""
        while not stop.is_set():
            try:
                report = self.replicate(buckets)
                if on_pass:
                    on_pass(report)
            except Exception:
                log.exception("replication pass failed")
            stop.wait(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="EMULATION of S3 cross-region replication for the local emulator")
    parser.add_argument("--watch", type=float, help="repeat every SECONDS until interrupted")
    parser.add_argument("--bucket", action="append", help="only these source buckets (default: all)")
    parser.add_argument("--state", type=Path, help="JSON file recording what was copied")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s replication %(message)s")
    replicator = Replicator(state_file=args.state)
    if args.watch:
        stop = threading.Event()
        try:
            replicator.watch(args.watch, stop, args.bucket,
                             lambda r: log.info("copied %d versions, %d delete markers", len(r.copied),
                                                len(r.delete_markers)))
        except KeyboardInterrupt:
            stop.set()
        return 0
    report = replicator.replicate(args.bucket)
    print(json.dumps({"copied": report.copied, "delete_markers": report.delete_markers,
                      "skipped_delete_markers": report.skipped_delete_markers, "seconds": report.seconds}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
