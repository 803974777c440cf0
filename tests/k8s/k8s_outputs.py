"""Terraform outputs shaped like the eks-irsa module's k8s_bootstrap, for the k8s bootstrap tests."""

from __future__ import annotations

from typing import Any

CLUSTER = "mwaa-pods"


def terraform_outputs(**overrides: Any) -> dict[str, Any]:
    """`terraform output -json` of a root that re-exports the eks-irsa module's k8s_bootstrap."""
    value: dict[str, Any] = {
        "cluster_name": CLUSTER,
        "region": "us-east-1",
        "namespaces": ["airflow-pods"],
        "service_accounts": {
            "s3-reader": {"namespace": "airflow-pods", "service_account": "s3-reader",
                          "role_arn": "arn:aws:iam::123456789012:role/mwaa-pods-irsa-s3-reader"},
            "s3-writer": {"namespace": "airflow-pods", "service_account": "s3-writer",
                          "role_arn": "arn:aws:iam::123456789012:role/mwaa-pods-irsa-s3-writer"},
        },
        "mwaa": {"namespace": "airflow-pods", "kubernetes_group": "mwaa-pod-operators",
                 "principal_arn": "arn:aws:iam::123456789012:role/service-role/mwaa-exec"},
    }
    value.update(overrides)
    return {"k8s_bootstrap": {"sensitive": False, "type": ["object", {}], "value": value},
            "cluster_name": {"sensitive": False, "type": "string", "value": CLUSTER}}
