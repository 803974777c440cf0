# create = false plans nothing and every output is null.
mock_provider "aws" {}

run "create_false_plans_nothing" {
  command = plan

  variables {
    create     = false
    name       = "mwaa-pods"
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    service_account_roles = {
      reader = { namespace = "airflow-pods", service_account = "reader", policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }
    }
    mwaa_access = { execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec", namespace = "airflow-pods" }
  }

  assert {
    condition     = length(aws_eks_cluster.this) == 0 && length(aws_eks_node_group.this) == 0 && module.kms.alias_name == null && length(aws_iam_role.irsa) == 0 && length(aws_eks_access_entry.mwaa) == 0 && length(aws_iam_policy.mwaa_describe_cluster) == 0
    error_message = "create = false must plan no resource."
  }
  assert {
    condition     = output.cluster_name == null && output.k8s_bootstrap == null && output.service_accounts == null && output.oidc_provider_arn == null && output.kms_key_arn == null && output.mwaa_kubernetes_group == null
    error_message = "create = false must make every output null."
  }
}
