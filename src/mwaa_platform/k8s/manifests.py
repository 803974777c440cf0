"""Kubernetes objects for IRSA pods scheduled by MWAA, as plain manifests (dicts).

- a Namespace per namespace in the spec;
- a ServiceAccount per IRSA role, annotated ``eks.amazonaws.com/role-arn`` (the pod identity webhook then
  projects a web-identity token that only that role trusts) and without an automounted API token, since the
  pods talk to AWS, not to Kubernetes;
- for MWAA, a Role limited to pods, pods/log and pods/exec in its namespace, bound to the Kubernetes group the
  EKS access entry maps the execution role to. Nothing cluster-wide, nothing else.
"""

from __future__ import annotations

from typing import Any

from mwaa_platform.k8s.spec import BootstrapSpec, MwaaAccess, ServiceAccount

MANAGED_BY = {"app.kubernetes.io/managed-by": "mwaa-platform"}
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
STS_REGIONAL_ANNOTATION = "eks.amazonaws.com/sts-regional-endpoints"
POD_OPERATOR_ROLE = "mwaa-pod-operator"
RBAC_API = "rbac.authorization.k8s.io"

# What KubernetesPodOperator / EksPodOperator do: create, watch and delete the pod, read its log, and exec
# into the XCom sidecar to read /airflow/xcom/return.json.
POD_OPERATOR_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete", "get", "list", "patch", "watch"]},
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get", "list"]},
    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]},
]


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(MANAGED_BY)}}


def service_account(account: ServiceAccount) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": account.name,
            "namespace": account.namespace,
            "labels": dict(MANAGED_BY),
            "annotations": {ROLE_ARN_ANNOTATION: account.role_arn, STS_REGIONAL_ANNOTATION: "true"},
        },
        "automountServiceAccountToken": False,
    }


def pod_operator_role(mwaa: MwaaAccess) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_API}/v1",
        "kind": "Role",
        "metadata": {"name": POD_OPERATOR_ROLE, "namespace": mwaa.namespace, "labels": dict(MANAGED_BY)},
        "rules": [dict(rule) for rule in POD_OPERATOR_RULES],
    }


def pod_operator_binding(mwaa: MwaaAccess) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_API}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": POD_OPERATOR_ROLE, "namespace": mwaa.namespace, "labels": dict(MANAGED_BY)},
        "subjects": [{"kind": "Group", "name": mwaa.kubernetes_group, "apiGroup": RBAC_API}],
        "roleRef": {"kind": "Role", "name": POD_OPERATOR_ROLE, "apiGroup": RBAC_API},
    }


def build(spec: BootstrapSpec) -> list[dict[str, Any]]:
    """All manifests in apply order: namespaces first, then what lives in them."""
    docs = [namespace(ns) for ns in spec.namespaces]
    docs += [service_account(account) for account in spec.service_accounts]
    if spec.mwaa is not None:
        docs += [pod_operator_role(spec.mwaa), pod_operator_binding(spec.mwaa)]
    return docs


def describe(manifest: dict[str, Any]) -> str:
    """``Kind namespace/name`` for messages."""
    meta = manifest.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{manifest.get('kind')} {where}{meta.get('name')}"
