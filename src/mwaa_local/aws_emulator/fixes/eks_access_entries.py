"""Gap: moto has no EKS access entries or access policy associations (CreateAccessEntry, AssociateAccessPolicy
and friends answer 404), so aws_eks_access_entry and aws_eks_access_policy_association never apply, and its
TagResource only knows clusters. Fix: keep access entries and their associated access policies on moto's
cluster objects (so they go when the cluster goes) and answer the ten access-entry operations with EKS's own
rules: the cluster must exist, one entry per principal, groups only on STANDARD entries and never
``system:*``, policies only from EKS's list, a ``namespace`` scope needs namespaces and a ``cluster`` scope
takes none. Tags on access-entry ARNs work too."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# EKS's published access policies (ListAccessPolicies), arn:aws:eks::aws:cluster-access-policy/<name>
ACCESS_POLICIES = (
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
)
_POLICY_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):eks::aws:cluster-access-policy/(?P<name>[A-Za-z]+)$")
_PRINCIPAL_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>iam|sts)::(?P<account>\d{12}):"
                            r"(?P<kind>role|user|assumed-role)/(?P<path_name>.+)$")
_TYPES = {"STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"}
_SCOPES = {"cluster", "namespace"}


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _error(exc_name: str, message: str, **fields: Any) -> Exception:
    from moto.eks import exceptions

    cls = getattr(exceptions, exc_name)
    return cls(clusterName=fields.get("clusterName"), nodegroupName=None, fargateProfileName=None,
               addonName=None, message=message)


def _entries(cluster: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(cluster, "access_entries"):
        cluster.access_entries = {}
    store: dict[str, dict[str, Any]] = cluster.access_entries
    return store


def _entry_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "policies"}


def _default_username(principal: re.Match[str]) -> str:
    if principal["kind"] == "role":
        name = principal["path_name"].rsplit("/", 1)[-1]
        return f"arn:{principal['partition']}:sts::{principal['account']}:assumed-role/{name}/{{{{SessionName}}}}"
    return principal.group(0)


def _validate_scope(scope: Any) -> dict[str, Any]:
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise _error("InvalidParameterException", "accessScope.type must be one of: cluster, namespace")
    namespaces = scope.get("namespaces") or []
    if scope["type"] == "namespace" and not namespaces:
        raise _error("InvalidParameterException", "accessScope of type namespace requires at least one namespace")
    if scope["type"] == "cluster" and namespaces:
        raise _error("InvalidParameterException", "accessScope of type cluster cannot list namespaces")
    return {"type": scope["type"], "namespaces": list(namespaces)}


def _validate_groups(groups: Any, entry_type: str) -> list[str]:
    groups = list(groups or [])
    if groups and entry_type != "STANDARD":
        raise _error("InvalidParameterException", f"kubernetesGroups cannot be set on an access entry of type "
                                                  f"{entry_type}")
    for group in groups:
        if not isinstance(group, str) or not group or group.startswith("system:"):
            raise _error("InvalidParameterException", f"invalid Kubernetes group {group!r}: groups cannot be empty "
                                                      "or start with system:")
    return groups


class AccessEntries:
    """The ten access-entry operations over one region's EKS backend."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def cluster(self, name: str) -> Any:
        cluster = self.backend.clusters.get(name)
        if cluster is None:
            raise _error("ResourceNotFoundException", f"No cluster found for name: {name}.", clusterName=name)
        return cluster

    def entry(self, cluster_name: str, principal_arn: str) -> dict[str, Any]:
        entry = _entries(self.cluster(cluster_name)).get(principal_arn)
        if entry is None:
            raise _error("ResourceNotFoundException",
                         f"The specified principalArn could not be found: {principal_arn}", clusterName=cluster_name)
        return entry

    def create(self, cluster_name: str, body: dict[str, Any]) -> dict[str, Any]:
        cluster = self.cluster(cluster_name)
        principal_arn = body.get("principalArn") or ""
        principal = _PRINCIPAL_ARN.match(principal_arn)
        if not principal or principal["kind"] == "assumed-role":
            raise _error("InvalidParameterException",
                         f"principalArn must be an IAM role or user ARN, got {principal_arn!r}")
        entries = _entries(cluster)
        if principal_arn in entries:
            raise _error("ResourceInUseException", f"The specified access entry resource is already in use on this "
                                                   f"cluster: {principal_arn}", clusterName=cluster_name)
        entry_type = body.get("type") or "STANDARD"
        if entry_type not in _TYPES:
            raise _error("InvalidParameterException", f"type must be one of {sorted(_TYPES)}, got {entry_type!r}")
        groups = _validate_groups(body.get("kubernetesGroups"), entry_type)
        now = _now()
        region = self.backend.region_name
        account = self.backend.account_id
        kind = principal["kind"]
        name = principal["path_name"].rsplit("/", 1)[-1]
        entry = {
            "clusterName": cluster_name,
            "principalArn": principal_arn,
            "kubernetesGroups": groups,
            "accessEntryArn": (f"arn:{principal['partition']}:eks:{region}:{account}:access-entry/{cluster_name}/"
                               f"{kind}/{principal['account']}/{name}/{uuid.uuid4()}"),
            "createdAt": now,
            "modifiedAt": now,
            "tags": dict(body.get("tags") or {}),
            "username": body.get("username") or _default_username(principal),
            "type": entry_type,
            "policies": {},
        }
        entries[principal_arn] = entry
        return entry

    def update(self, cluster_name: str, principal_arn: str, body: dict[str, Any]) -> dict[str, Any]:
        entry = self.entry(cluster_name, principal_arn)
        if "kubernetesGroups" in body:
            entry["kubernetesGroups"] = _validate_groups(body["kubernetesGroups"], entry["type"])
        if body.get("username"):
            entry["username"] = body["username"]
        entry["modifiedAt"] = _now()
        return entry

    def delete(self, cluster_name: str, principal_arn: str) -> None:
        self.entry(cluster_name, principal_arn)
        del _entries(self.cluster(cluster_name))[principal_arn]

    def list_arns(self, cluster_name: str, associated_policy_arn: str | None) -> list[str]:
        entries = _entries(self.cluster(cluster_name))
        return sorted(arn for arn, entry in entries.items()
                      if not associated_policy_arn or associated_policy_arn in entry["policies"])

    def associate(self, cluster_name: str, principal_arn: str, body: dict[str, Any]) -> dict[str, Any]:
        entry = self.entry(cluster_name, principal_arn)
        policy_arn = body.get("policyArn") or ""
        match = _POLICY_ARN.match(policy_arn)
        if not match or match["name"] not in ACCESS_POLICIES:
            raise _error("ResourceNotFoundException", f"The specified access policy could not be found: {policy_arn}",
                         clusterName=cluster_name)
        if entry["type"] != "STANDARD":
            raise _error("InvalidRequestException", "access policies can only be associated with STANDARD entries")
        scope = _validate_scope(body.get("accessScope"))
        now = _now()
        current = entry["policies"].get(policy_arn)
        association = {"policyArn": policy_arn, "accessScope": scope,
                       "associatedAt": current["associatedAt"] if current else now, "modifiedAt": now}
        entry["policies"][policy_arn] = association
        return association

    def disassociate(self, cluster_name: str, principal_arn: str, policy_arn: str) -> None:
        entry = self.entry(cluster_name, principal_arn)
        if policy_arn not in entry["policies"]:
            raise _error("ResourceNotFoundException", f"The specified access policy is not associated: {policy_arn}",
                         clusterName=cluster_name)
        del entry["policies"][policy_arn]

    def associated(self, cluster_name: str, principal_arn: str) -> list[dict[str, Any]]:
        entry = self.entry(cluster_name, principal_arn)
        return [entry["policies"][arn] for arn in sorted(entry["policies"])]

    def by_arn(self, arn: str) -> dict[str, Any] | None:
        for cluster in self.backend.clusters.values():
            for entry in _entries(cluster).values():
                if entry["accessEntryArn"] == arn:
                    return entry
        return None


def _json(status: int, payload: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload)


def _route(api: AccessEntries, method: str, parts: list[str], query: dict[str, list[str]],
           body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    """parts: the raw path split on '/', each segment percent-decoded (ARNs arrive with %2F for '/')."""
    partition = "aws"
    if parts == ["access-policies"] and method == "GET":
        return _json(200, {"accessPolicies": [
            {"name": name, "arn": f"arn:{partition}:eks::aws:cluster-access-policy/{name}"}
            for name in ACCESS_POLICIES]})
    if len(parts) < 3 or parts[0] != "clusters" or parts[2] != "access-entries":
        raise _error("InvalidRequestException", f"unsupported access-entry path /{'/'.join(parts)}")
    cluster_name = parts[1]
    rest = parts[3:]
    if not rest:
        if method == "POST":
            return _json(200, {"accessEntry": _entry_view(api.create(cluster_name, body))})
        if method == "GET":
            policy = next(iter(query.get("associatedPolicyArn") or []), None)
            return _json(200, {"accessEntries": api.list_arns(cluster_name, policy)})
    principal_arn = rest[0]
    if len(rest) == 1:
        if method == "GET":
            return _json(200, {"accessEntry": _entry_view(api.entry(cluster_name, principal_arn))})
        if method == "POST":
            return _json(200, {"accessEntry": _entry_view(api.update(cluster_name, principal_arn, body))})
        if method == "DELETE":
            api.delete(cluster_name, principal_arn)
            return _json(200, {})
    if len(rest) >= 2 and rest[1] == "access-policies":
        if len(rest) == 2 and method == "POST":
            association = api.associate(cluster_name, principal_arn, body)
            return _json(200, {"clusterName": cluster_name, "principalArn": principal_arn,
                               "associatedAccessPolicy": association})
        if len(rest) == 2 and method == "GET":
            return _json(200, {"clusterName": cluster_name, "principalArn": principal_arn,
                               "associatedAccessPolicies": api.associated(cluster_name, principal_arn)})
        if len(rest) == 3 and method == "DELETE":
            api.disassociate(cluster_name, principal_arn, rest[2])
            return _json(200, {})
    raise _error("InvalidRequestException", f"unsupported access-entry request {method} /{'/'.join(parts)}")


def _handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    from moto.eks.exceptions import EKSError
    from moto.eks.responses import EKSResponse

    response = EKSResponse()
    response.setup_class(request, full_url, headers)
    split = urlsplit(full_url)
    parts = [unquote(p) for p in split.path.strip("/").split("/")]
    try:
        body = json.loads(response.body) if response.body else {}
        return _route(AccessEntries(response.eks_backend), request.method, parts, parse_qs(split.query), body)
    except EKSError as exc:  # the error shape EKS speaks: type in x-amzn-ErrorType, JSON body with message
        return exc.STATUS, {"x-amzn-ErrorType": str(exc.TYPE), "Content-Type": "application/json"}, str(exc.description)
    except ValueError:
        return _json(400, {"message": "request body is not JSON"})


_handler.__name__ = "eks_access_entries"


def _patch_tags() -> None:
    from moto.eks.models import EKSBackend

    originals = {name: getattr(EKSBackend, name) for name in ("tag_resource", "untag_resource",
                                                               "list_tags_for_resource")}
    if getattr(originals["tag_resource"], "_mwaa_platform_fixed", False):
        return

    def tag_resource(self: Any, resource_arn: str, tags: dict[str, str]) -> None:
        entry = AccessEntries(self).by_arn(resource_arn)
        if entry is None:
            return originals["tag_resource"](self, resource_arn, tags)
        entry["tags"].update(tags)
        return None

    def untag_resource(self: Any, resource_arn: str, tag_keys: list[str]) -> None:
        entry = AccessEntries(self).by_arn(resource_arn)
        if entry is None:
            return originals["untag_resource"](self, resource_arn, tag_keys)
        for key in tag_keys if isinstance(tag_keys, list) else [tag_keys]:
            entry["tags"].pop(key, None)
        return None

    def list_tags_for_resource(self: Any, resource_arn: str) -> dict[str, str]:
        entry = AccessEntries(self).by_arn(resource_arn)
        if entry is None:
            result: dict[str, str] = originals["list_tags_for_resource"](self, resource_arn)
            return result
        return dict(entry["tags"])

    tag_resource._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    EKSBackend.tag_resource = tag_resource  # type: ignore[method-assign]
    EKSBackend.untag_resource = untag_resource  # type: ignore[method-assign]
    EKSBackend.list_tags_for_resource = list_tags_for_resource  # type: ignore[method-assign]


def apply() -> None:
    from moto.eks import urls

    urls.url_paths.update({
        "{0}/access-policies$": _handler,
        "{0}/clusters/(?P<name>[^/]+)/access-entries$": _handler,
        "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<rest>.+)$": _handler,
    })
    _patch_tags()
