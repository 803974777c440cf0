"""Gap: moto stores a bucket's replication configuration but answers GetBucketReplication with a fixed shape:
DeleteMarkerReplication always Disabled, Filter always an empty prefix, SourceSelectionCriteria and
ExistingObjectReplication dropped. The provider then re-plans every rule with a prefix, delete-marker
replication or SSE-KMS object selection forever (and the local replication emulation cannot see the rules).
Fix: answer with each rule as it was stored."""

from __future__ import annotations

from typing import Any

PASSTHROUGH = ("SourceSelectionCriteria", "ExistingObjectReplication")


def _clean(value: Any) -> Any:
    """xmltodict turns empty elements into None; the API shape wants empty strings there."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return "" if value is None else value


def rule_view(rule: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "ID": rule["ID"],
        "Priority": rule.get("Priority", 1),
        "Status": rule["Status"],
        "DeleteMarkerReplication": _clean(rule.get("DeleteMarkerReplication") or {"Status": "Disabled"}),
        "Destination": _clean(rule["Destination"]),
    }
    if "Filter" in rule:
        view["Filter"] = _clean(rule["Filter"]) or {"Prefix": ""}
    elif "Prefix" in rule:
        view["Prefix"] = _clean(rule["Prefix"])
    else:
        view["Filter"] = {"Prefix": ""}
    for key in PASSTHROUGH:
        if rule.get(key) is not None:
            view[key] = _clean(rule[key])
    return view


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    def get_bucket_replication(self: Any) -> Any:
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = [rule_view(rule) for rule in replication["Rule"]]
        return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"],
                                                                           "Rules": rules}}))

    S3Response.get_bucket_replication = get_bucket_replication  # type: ignore[method-assign]
