"""Bootstrap manifests: valid against the Kubernetes schemas (offline, kubernetes-validate), least privilege."""

from __future__ import annotations

import json
from typing import Any

import kubernetes_validate
import pytest
from k8s_outputs import terraform_outputs

from mwaa_platform.k8s import manifests, spec

K8S_VERSION = "1.33.0"


def _docs(**overrides: Any) -> list[dict[str, Any]]:
    return manifests.build(spec.parse(terraform_outputs(**overrides)))


def test_every_manifest_validates_against_the_strict_schema() -> None:
    docs = _docs()
    assert [d["kind"] for d in docs] == ["Namespace", "ServiceAccount", "ServiceAccount", "Role", "RoleBinding"]
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validator_does_catch_a_broken_manifest() -> None:
    broken = manifests.pod_operator_binding(spec.parse(terraform_outputs()).mwaa)  # type: ignore[arg-type]
    del broken["roleRef"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
    typo = manifests.namespace("airflow-pods")
    typo["metadata"]["lables"] = typo["metadata"].pop("labels")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)


def test_service_accounts_carry_their_role_arn_and_no_api_token() -> None:
    accounts = {d["metadata"]["name"]: d for d in _docs() if d["kind"] == "ServiceAccount"}
    assert set(accounts) == {"s3-reader", "s3-writer"}
    for name, doc in accounts.items():
        annotations = doc["metadata"]["annotations"]
        assert annotations["eks.amazonaws.com/role-arn"] == f"arn:aws:iam::123456789012:role/mwaa-pods-irsa-{name}"
        assert doc["metadata"]["namespace"] == "airflow-pods"
        assert doc["automountServiceAccountToken"] is False


def test_mwaa_gets_only_pods_logs_and_exec_in_its_namespace() -> None:
    docs = _docs()
    role = next(d for d in docs if d["kind"] == "Role")
    binding = next(d for d in docs if d["kind"] == "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "airflow-pods"
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert resources == {"pods", "pods/log", "pods/exec"}
    assert all(rule["apiGroups"] == [""] for rule in role["rules"])
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    assert "*" not in verbs and not verbs & {"escalate", "bind", "impersonate"}
    assert binding["roleRef"] == {"kind": "Role", "name": role["metadata"]["name"],
                                  "apiGroup": "rbac.authorization.k8s.io"}
    assert binding["subjects"] == [{"kind": "Group", "name": "mwaa-pod-operators",
                                    "apiGroup": "rbac.authorization.k8s.io"}]
    # nothing cluster-wide, nothing that names system:masters
    text = json.dumps(docs)
    assert "ClusterRole" not in text and "system:masters" not in text


def test_without_mwaa_access_no_rbac_is_created() -> None:
    kinds = [d["kind"] for d in _docs(mwaa=None)]
    assert kinds == ["Namespace", "ServiceAccount", "ServiceAccount"]


def test_namespaces_cover_every_object_and_come_first() -> None:
    outputs = terraform_outputs(namespaces=[], service_accounts={
        "batch": {"namespace": "batch-jobs", "service_account": "spark",
                  "role_arn": "arn:aws:iam::123456789012:role/x-irsa-batch"}})
    docs = manifests.build(spec.parse(outputs))
    namespaces = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
    assert namespaces == ["airflow-pods", "batch-jobs"]
    assert [d["kind"] for d in docs][:2] == ["Namespace", "Namespace"]
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
