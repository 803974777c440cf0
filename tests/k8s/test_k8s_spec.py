"""Reading the bootstrap from Terraform outputs: wrapped or bare, validated before anything happens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from k8s_outputs import terraform_outputs

from mwaa_platform.k8s import spec


def test_reads_terraform_output_json() -> None:
    parsed = spec.loads(json.dumps(terraform_outputs()))
    assert parsed.cluster_name == "mwaa-pods" and parsed.region == "us-east-1"
    assert parsed.namespaces == ("airflow-pods",)
    assert [(a.key, a.namespace, a.name) for a in parsed.service_accounts] == [
        ("s3-reader", "airflow-pods", "s3-reader"), ("s3-writer", "airflow-pods", "s3-writer")]
    assert parsed.mwaa is not None and parsed.mwaa.kubernetes_group == "mwaa-pod-operators"


def test_reads_a_bare_value_and_a_renamed_output() -> None:
    value = terraform_outputs()["k8s_bootstrap"]["value"]
    assert spec.parse(value).cluster_name == "mwaa-pods"
    renamed = {"eks_pods": {"value": value, "type": "object", "sensitive": False}}
    assert spec.parse(renamed, output_name="eks_pods").cluster_name == "mwaa-pods"
    with pytest.raises(spec.SpecError, match=r"no output named 'k8s_bootstrap'.*eks_pods"):
        spec.parse(renamed)


def _value(**overrides: Any) -> dict[str, Any]:
    return terraform_outputs(**overrides)["k8s_bootstrap"]["value"]


def _account(**fields: Any) -> dict[str, Any]:
    base = {"namespace": "airflow-pods", "service_account": "reader",
            "role_arn": "arn:aws:iam::123456789012:role/reader"}
    return {"reader": {**base, **fields}}


@pytest.mark.parametrize(("doc", "message"), [
    ("not json", "not JSON"),
    ("[]", "JSON object"),
    (json.dumps({"k8s_bootstrap": {"value": None}}), "create = false"),
    (json.dumps(_value(cluster_name="")), "cluster_name"),
    (json.dumps(_value(region="mars")), "region"),
    (json.dumps(_value(namespaces=["Airflow_Pods"])), "namespace name"),
    (json.dumps(_value(service_accounts=_account(namespace="UPPER"))), "namespace"),
    (json.dumps(_value(service_accounts=_account(service_account="a:b"))), "service account name"),
    (json.dumps(_value(service_accounts=_account(role_arn="arn:aws:iam::123456789012:user/alice"))), "role ARN"),
    (json.dumps(_value(service_accounts=["reader"])), "keyed by role name"),
    (json.dumps(_value(mwaa={"namespace": "airflow-pods", "kubernetes_group": "system:masters",
                             "principal_arn": "arn:aws:iam::123456789012:role/x"})), "system"),
    (json.dumps(_value(namespaces=[], service_accounts={}, mwaa=None)), "nothing to bootstrap"),
])
def test_rejects_malformed_outputs_with_a_clear_message(doc: str, message: str) -> None:
    with pytest.raises(spec.SpecError, match=message):
        spec.loads(doc)


def test_duplicate_service_account_is_rejected() -> None:
    accounts = {**_account(), "again": {"namespace": "airflow-pods", "service_account": "reader",
                                        "role_arn": "arn:aws:iam::123456789012:role/again"}}
    with pytest.raises(spec.SpecError, match="appears twice"):
        spec.parse(_value(service_accounts=accounts))
