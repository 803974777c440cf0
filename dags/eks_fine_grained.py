"""Fine-grained AWS permissions per task: Airflow tasks as EKS pods, each with its own IRSA role.

``eks_fine_grained``: two EksPodOperator tasks in the namespace the eks-irsa module opened to MWAA.
  list_source_bucket  (service account s3-reader: ssm:GetParameter on its parameter, s3:ListBucket on the
                       source bucket) lists the keys and returns them as XCom;
  write_listing       (service account s3-writer: ssm:GetParameter on its parameter, s3:PutObject under
                       listings/ in the destination bucket) writes that list as a JSON object.
Each pod reads its bucket name from an SSM parameter with its own role, so the MWAA execution role needs
nothing but eks:DescribeCluster (to build the pod connection), and neither pod can do the other's job.

``eks_fine_grained_self_managed``: the same two pods with KubernetesPodOperator, for a self-managed cluster
reached through an Airflow connection (``kubernetes_self_managed``, kept in a secrets backend; never a
kubeconfig file in the DAGs bucket). IRSA there needs the pod identity webhook and an OIDC provider in IAM.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.amazon.aws.operators.eks import EksPodOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

try:  # Airflow 3
    from airflow.sdk import DAG, Param
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.models.param import Param

# A pinned AWS CLI image (entrypoint replaced by a shell script below).
IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.22.35"
MAX_KEYS = 1000  # XCom is for small values: the listing is capped and says so

# Runs with the s3-reader role: read the bucket name, list it, hand the keys to Airflow through XCom.
LIST_SCRIPT = f"""
set -eu
bucket=$(aws ssm get-parameter --name "$SOURCE_BUCKET_PARAMETER" --query Parameter.Value --output text)
keys=$(aws s3api list-objects-v2 --bucket "$bucket" --max-items {MAX_KEYS} --query 'Contents[].Key' --output json)
[ "$keys" = "null" ] && keys='[]'
mkdir -p /airflow/xcom
printf '{{"bucket": "%s", "keys": %s}}' "$bucket" "$keys" > /airflow/xcom/return.json
echo "listed s3://$bucket"
"""

# Runs with the s3-writer role: read the bucket name, write the listing under listings/.
WRITE_SCRIPT = """
set -eu
bucket=$(aws ssm get-parameter --name "$DESTINATION_BUCKET_PARAMETER" --query Parameter.Value --output text)
printf '%s' "$LISTING" | aws s3 cp - "s3://$bucket/listings/$RUN_KEY.json" --content-type application/json
echo "wrote s3://$bucket/listings/$RUN_KEY.json"
"""

PARAMS = {
    "cluster_name": Param("mwaa-pods", type="string", description="EKS cluster (eks-irsa module output cluster_name)"),
    "namespace": Param("airflow-pods", type="string", pattern="^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                       description="Namespace opened to MWAA (mwaa_access.namespace)"),
    "source_bucket_parameter": Param("/mwaa-platform/mwaa-pods/eks/source-bucket", type="string",
                                     description="SSM parameter holding the source bucket name"),
    "destination_bucket_parameter": Param("/mwaa-platform/mwaa-pods/eks/destination-bucket", type="string",
                                          description="SSM parameter holding the destination bucket name"),
}

RESOURCES = k8s.V1ResourceRequirements(requests={"cpu": "100m", "memory": "128Mi"}, limits={"memory": "256Mi"})
CONTAINER_SECURITY = k8s.V1SecurityContext(allow_privilege_escalation=False,
                                           capabilities=k8s.V1Capabilities(drop=["ALL"]))


def _pod_tasks(operator: type[KubernetesPodOperator], **connection: Any) -> None:
    """list_source_bucket >> write_listing with ``operator`` and its connection arguments."""
    common: dict[str, Any] = {
        "namespace": "{{ params.namespace }}",
        "image": IMAGE,
        "cmds": ["/bin/sh", "-c"],
        "get_logs": True,
        "on_finish_action": "delete_pod",
        "container_resources": RESOURCES,
        "container_security_context": CONTAINER_SECURITY,
        "startup_timeout_seconds": 300,
        **connection,
    }
    listing = operator(
        task_id="list_source_bucket",
        service_account_name="s3-reader",
        arguments=[LIST_SCRIPT],
        env_vars={"SOURCE_BUCKET_PARAMETER": "{{ params.source_bucket_parameter }}"},
        do_xcom_push=True,
        **common,
        **_pod_name(operator, "list-source-bucket"),
    )
    write = operator(
        task_id="write_listing",
        service_account_name="s3-writer",
        arguments=[WRITE_SCRIPT],
        env_vars={
            "DESTINATION_BUCKET_PARAMETER": "{{ params.destination_bucket_parameter }}",
            "LISTING": "{{ ti.xcom_pull(task_ids='list_source_bucket') | tojson }}",
            "RUN_KEY": "{{ run_id | replace(':', '-') | replace('+', '-') }}",
        },
        do_xcom_push=False,
        **common,
        **_pod_name(operator, "write-listing"),
    )
    listing >> write


def _pod_name(operator: type[KubernetesPodOperator], name: str) -> dict[str, str]:
    # EksPodOperator names the pod with pod_name and passes it on as KubernetesPodOperator's name
    return {"pod_name": name} if issubclass(operator, EksPodOperator) else {"name": name}


with DAG(
    dag_id="eks_fine_grained",
    description="List a bucket and write the listing elsewhere, each step an EKS pod with its own IRSA role",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params=PARAMS,
    tags=["eks", "irsa", "mwaa-platform"],
    doc_md=__doc__,
):
    _pod_tasks(EksPodOperator, cluster_name="{{ params.cluster_name }}", aws_conn_id="aws_default")


with DAG(
    dag_id="eks_fine_grained_self_managed",
    description="The same pods with KubernetesPodOperator on a self-managed cluster (connection, no kubeconfig file)",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={k: v for k, v in PARAMS.items() if k != "cluster_name"},
    tags=["kubernetes", "irsa", "mwaa-platform"],
    doc_md=__doc__,
):
    _pod_tasks(KubernetesPodOperator, kubernetes_conn_id="kubernetes_self_managed", in_cluster=False)
