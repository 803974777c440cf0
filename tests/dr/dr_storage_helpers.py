"""Buckets with replication configured through the API (as the module configures them), for fast tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
TLS_ONLY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def s3(region: str) -> Any:
    return boto3.session.Session(region_name=region).client("s3")


@dataclass
class PairSetup:
    source: str
    destination: str
    replica_key: str


def make_pair(prefix: str = "", delete_markers: bool = False, tls_only: bool = True) -> PairSetup:
    suffix = uuid.uuid4().hex[:8]
    source, destination = f"src-{suffix}", f"dst-{suffix}"
    primary, secondary = s3(PRIMARY), s3(SECONDARY)
    primary.create_bucket(Bucket=source)
    secondary.create_bucket(Bucket=destination, CreateBucketConfiguration={"LocationConstraint": SECONDARY})
    for client, bucket in ((primary, source), (secondary, destination)):
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        if tls_only:
            statement = {**TLS_ONLY, "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}
            client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17",
                                                                        "Statement": [statement]}))
    key = boto3.session.Session(region_name=SECONDARY).client("kms").create_key()["KeyMetadata"]["Arn"]
    primary.put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication",
        "Rules": [{"ID": "to-secondary", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": prefix},
                   "DeleteMarkerReplication": {"Status": "Enabled" if delete_markers else "Disabled"},
                   "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                   "Destination": {"Bucket": f"arn:aws:s3:::{destination}", "StorageClass": "STANDARD_IA",
                                   "EncryptionConfiguration": {"ReplicaKmsKeyID": key}}}]})
    return PairSetup(source, destination, key)
