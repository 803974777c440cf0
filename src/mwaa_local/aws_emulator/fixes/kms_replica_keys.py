"""Gap: moto's ReplicateKey copies the primary key object as it is: the Description, Policy and Tags of the
request are ignored (the provider then waits forever for the replica's tags, and re-plans the description),
and primary and replica share one MultiRegionConfiguration dict, so describing the replica turns the primary
into a REPLICA too. Fix: the replica gets the request's description, policy and tags (in its own region) and
its own copy of the multi-Region configuration; key material stays shared, as in AWS, so a ciphertext made
with the primary decrypts with the replica."""

from __future__ import annotations

import copy
import json
from typing import Any


def apply() -> None:
    from moto.kms.models import kms_backends
    from moto.kms.responses import KmsResponse

    original = KmsResponse.replicate_key

    def replicate_key(self: Any) -> str:
        answer = original(self)
        replica_region = self._get_param("ReplicaRegion")
        meta = json.loads(answer)["ReplicaKeyMetadata"]
        backend = kms_backends[self.current_account][replica_region]
        key = backend.keys[meta["KeyId"]]
        key.multi_region_configuration = copy.deepcopy(key.multi_region_configuration)
        if self._get_param("Description") is not None:
            key.description = self._get_param("Description")
        if self._get_param("Policy"):
            key.policy = self._get_param("Policy")
        tags = {t["TagKey"]: t.get("TagValue", "") for t in self._get_param("Tags") or []}
        if tags:
            backend.tag_resource(key.id, tags)
        meta.update(Description=key.description, Arn=key.arn)
        return json.dumps({"ReplicaKeyMetadata": meta, "ReplicaPolicy": key.policy,
                           "ReplicaTags": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]})

    KmsResponse.replicate_key = replicate_key  # type: ignore[method-assign]
