"""Create-or-patch against the API server double: creates, converges, repairs drift, stays idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apiserver_double import ApiServerDouble
from k8s_outputs import CLUSTER, terraform_outputs

from mwaa_platform.k8s import apply, eks_client, manifests, spec

RBAC = "rbac.authorization.k8s.io"


@pytest.fixture
def docs() -> list[dict[str, Any]]:
    return manifests.build(spec.parse(terraform_outputs()))


@pytest.fixture
def api(apiserver: ApiServerDouble, dummy_credentials: None) -> Iterator[Any]:
    with eks_client.api_client(CLUSTER, "us-east-1", server=apiserver.url) as client:
        yield client


def test_first_run_creates_everything(apiserver: ApiServerDouble, api: Any, docs: list[dict[str, Any]]) -> None:
    outcomes = apply.apply_all(api, docs)
    assert [(o.action, o.target) for o in outcomes] == [
        ("created", "Namespace airflow-pods"),
        ("created", "ServiceAccount airflow-pods/s3-reader"),
        ("created", "ServiceAccount airflow-pods/s3-writer"),
        ("created", "Role airflow-pods/mwaa-pod-operator"),
        ("created", "RoleBinding airflow-pods/mwaa-pod-operator"),
    ]
    sa = apiserver.get("ServiceAccount", "s3-reader", "airflow-pods")
    assert sa is not None
    assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("role/mwaa-pods-irsa-s3-reader")
    assert sa["automountServiceAccountToken"] is False
    binding = apiserver.get("RoleBinding", "mwaa-pod-operator", "airflow-pods")
    assert binding is not None and binding["subjects"][0]["name"] == "mwaa-pod-operators"
    assert ("POST", "/api/v1/namespaces") in apiserver.writes()


def test_second_run_changes_nothing(apiserver: ApiServerDouble, api: Any, docs: list[dict[str, Any]]) -> None:
    apply.apply_all(api, docs)
    versions = {key: obj["metadata"]["resourceVersion"] for key, obj in apiserver.objects.items()}
    writes_before = len(apiserver.writes())
    outcomes = apply.apply_all(api, docs)
    assert {o.action for o in outcomes} == {"unchanged"}
    assert len(apiserver.writes()) == writes_before
    assert {key: obj["metadata"]["resourceVersion"] for key, obj in apiserver.objects.items()} == versions


def test_drift_is_patched_back(apiserver: ApiServerDouble, api: Any, docs: list[dict[str, Any]]) -> None:
    apply.apply_all(api, docs)
    # someone re-pointed a service account, widened the Role, and stripped our label
    sa = apiserver.get("ServiceAccount", "s3-writer", "airflow-pods")
    assert sa is not None
    sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] = "arn:aws:iam::123456789012:role/admin"
    sa["metadata"]["annotations"]["team"] = "data"  # not ours: must survive
    apiserver.put_object(sa)
    role = apiserver.get("Role", "mwaa-pod-operator", "airflow-pods")
    assert role is not None
    role["rules"].append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]})
    apiserver.put_object(role)
    ns = apiserver.get("Namespace", "airflow-pods")
    assert ns is not None
    ns["metadata"]["labels"] = {}
    apiserver.put_object(ns)

    outcomes = {o.target: o for o in apply.apply_all(api, docs)}
    assert outcomes["ServiceAccount airflow-pods/s3-writer"].action == "patched"
    assert outcomes["ServiceAccount airflow-pods/s3-writer"].fields == (
        "metadata.annotations.eks.amazonaws.com/role-arn",)
    assert outcomes["Role airflow-pods/mwaa-pod-operator"].action == "patched"
    assert outcomes["Namespace airflow-pods"].action == "patched"
    assert outcomes["ServiceAccount airflow-pods/s3-reader"].action == "unchanged"

    sa = apiserver.get("ServiceAccount", "s3-writer", "airflow-pods")
    assert sa is not None
    assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("mwaa-pods-irsa-s3-writer")
    assert sa["metadata"]["annotations"]["team"] == "data"
    role = apiserver.get("Role", "mwaa-pod-operator", "airflow-pods")
    assert role is not None and {r for rule in role["rules"] for r in rule["resources"]} == {
        "pods", "pods/log", "pods/exec"}
    patches = [r for r in apiserver.requests if r[0] == "PATCH"]
    assert len(patches) == 3
    assert {o.action for o in apply.apply_all(api, docs)} == {"unchanged"}


def test_changed_role_ref_replaces_the_binding(apiserver: ApiServerDouble, api: Any,
                                               docs: list[dict[str, Any]]) -> None:
    apply.apply_all(api, docs)
    binding = apiserver.get("RoleBinding", "mwaa-pod-operator", "airflow-pods")
    assert binding is not None
    binding["roleRef"] = {"kind": "ClusterRole", "name": "edit", "apiGroup": RBAC}
    apiserver.put_object(binding)
    outcome = apply.create_or_patch(api, docs[-1])
    assert outcome.action == "replaced" and "roleRef" in outcome.fields
    assert ("DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/airflow-pods/rolebindings/mwaa-pod-operator"
            ) in apiserver.requests
    binding = apiserver.get("RoleBinding", "mwaa-pod-operator", "airflow-pods")
    assert binding is not None and binding["roleRef"]["kind"] == "Role"


def test_a_concurrent_create_falls_back_to_patch(apiserver: ApiServerDouble, api: Any,
                                                 docs: list[dict[str, Any]]) -> None:
    apply.create_or_patch(api, docs[0])
    other = dict(docs[1], metadata={**docs[1]["metadata"], "annotations": {"eks.amazonaws.com/role-arn": "x"}})

    def someone_else_wins(double: ApiServerDouble, name: str) -> None:
        double.before_post = None
        double.put_object(other)

    apiserver.before_post = someone_else_wins
    outcome = apply.create_or_patch(api, docs[1])
    assert outcome.action == "patched"
    assert [m for m, _ in apiserver.requests[-4:]] == ["GET", "POST", "GET", "PATCH"]
    sa = apiserver.get("ServiceAccount", "s3-reader", "airflow-pods")
    assert sa is not None and sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam")


def test_terminating_namespace_is_reported(apiserver: ApiServerDouble, api: Any, docs: list[dict[str, Any]]) -> None:
    apply.apply_all(api, docs)
    ns = apiserver.get("Namespace", "airflow-pods")
    assert ns is not None
    ns["status"] = {"phase": "Terminating"}
    apiserver.put_object(ns)
    with pytest.raises(apply.ApplyError, match="being deleted"):
        apply.create_or_patch(api, docs[0])


def test_missing_namespace_stops_with_the_servers_reason(apiserver: ApiServerDouble, api: Any,
                                                         docs: list[dict[str, Any]]) -> None:
    expected = r'ServiceAccount airflow-pods/s3-reader: HTTP 404.*namespaces "airflow-pods"'
    with pytest.raises(apply.ApplyError, match=expected):
        apply.create_or_patch(api, docs[1])
    assert apiserver.get("ServiceAccount", "s3-reader", "airflow-pods") is None


def test_server_errors_are_not_swallowed(apiserver: ApiServerDouble, api: Any, docs: list[dict[str, Any]]) -> None:
    apiserver.fail_next.append(("GET", 500))
    with pytest.raises(apply.ApplyError, match="HTTP 500"):
        apply.create_or_patch(api, docs[0])
    assert apiserver.writes() == []


def test_a_bad_token_is_refused(apiserver: ApiServerDouble, dummy_credentials: None,
                                docs: list[dict[str, Any]]) -> None:
    with eks_client.api_client(CLUSTER, "us-east-1", server=apiserver.url) as client:
        client.configuration.refresh_api_key_hook = None
        client.configuration.api_key = {"authorization": "Bearer not-a-token"}
        with pytest.raises(apply.ApplyError, match="HTTP 401"):
            apply.create_or_patch(client, docs[0])
    assert apiserver.objects == {}


def test_unsupported_kinds_and_nameless_manifests_are_rejected(api: Any) -> None:
    with pytest.raises(ValueError, match="unsupported manifest kind 'ClusterRoleBinding'"):
        apply.create_or_patch(api, {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding",
                                    "metadata": {"name": "x"}})
    with pytest.raises(ValueError, match=r"metadata\.namespace"):
        apply.create_or_patch(api, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}})


def test_https_without_a_ca_is_refused(dummy_credentials: None) -> None:
    with pytest.raises(ValueError, match="CA bundle"), eks_client.api_client(CLUSTER, "us-east-1",
                                                                             server="https://127.0.0.1:1"):
        pass
