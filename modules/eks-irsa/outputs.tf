output "cluster_name" {
  description = "Name of the EKS cluster (null when not created)."
  value       = try(aws_eks_cluster.this[0].name, null)
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = try(aws_eks_cluster.this[0].arn, null)
}

output "cluster_endpoint" {
  description = "Kubernetes API server endpoint (private unless endpoint_access.public)."
  value       = try(aws_eks_cluster.this[0].endpoint, null)
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API server."
  value       = try(aws_eks_cluster.this[0].certificate_authority[0].data, null)
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = try(aws_eks_cluster.this[0].version, null)
}

output "cluster_role_arn" {
  description = "IAM role of the EKS control plane."
  value       = try(aws_iam_role.cluster[0].arn, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting Kubernetes secrets and the control-plane logs (created or given)."
  value       = local.kms_key_arn
}

output "log_group_name" {
  description = "CloudWatch log group of the control-plane logs."
  value       = try(aws_cloudwatch_log_group.cluster[0].name, null)
}

output "node_group_arn" {
  description = "ARN of the managed node group."
  value       = try(aws_eks_node_group.this[0].arn, null)
}

output "node_role_arn" {
  description = "IAM role of the nodes."
  value       = try(aws_iam_role.node[0].arn, null)
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster (https://oidc.eks.<region>.amazonaws.com/id/<id>)."
  value       = var.create ? local.oidc_issuer_url : null
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider that IRSA roles trust."
  value       = try(aws_iam_openid_connect_provider.this[0].arn, null)
}

output "service_account_role_arns" {
  description = "IRSA role ARN per service_account_roles key."
  value       = var.create ? { for key, role in aws_iam_role.irsa : key => role.arn } : null
}

output "service_accounts" {
  description = "Per service_account_roles key: namespace, service_account and the role ARN to annotate it with."
  value = var.create ? {
    for key, role in local.service_account_roles : key => {
      namespace       = role.namespace
      service_account = role.service_account
      role_arn        = aws_iam_role.irsa[key].arn
    }
  } : null
}

output "mwaa_access_entry_arn" {
  description = "ARN of the MWAA execution role's access entry (null without mwaa_access)."
  value       = try(aws_eks_access_entry.mwaa[0].access_entry_arn, null)
}

output "mwaa_kubernetes_group" {
  description = "Kubernetes group the MWAA execution role is mapped to; the bootstrap binds it to the pod-operator Role."
  value       = local.create_mwaa_access ? var.mwaa_access.kubernetes_group : null
}

output "mwaa_describe_cluster_policy_arn" {
  description = "IAM policy with eks:DescribeCluster on this cluster only, for the MWAA execution role."
  value       = try(aws_iam_policy.mwaa_describe_cluster[0].arn, null)
}

output "mwaa_describe_cluster_policy_json" {
  description = "The same policy as JSON, for modules that build the execution role's policy themselves."
  value       = try(aws_iam_policy.mwaa_describe_cluster[0].policy, null)
}

output "k8s_bootstrap" {
  description = "Everything `mwaa-platform k8s bootstrap` needs (cluster, region, namespaces, service accounts with role ARNs, MWAA group); read it with `terraform output -json`."
  value = var.create ? {
    cluster_name = aws_eks_cluster.this[0].name
    region       = local.region
    namespaces   = sort(distinct(concat([for r in values(local.service_account_roles) : r.namespace], local.create_mwaa_access ? [var.mwaa_access.namespace] : [])))
    service_accounts = {
      for key, role in local.service_account_roles : key => {
        namespace       = role.namespace
        service_account = role.service_account
        role_arn        = aws_iam_role.irsa[key].arn
      }
    }
    mwaa = local.create_mwaa_access ? {
      namespace        = var.mwaa_access.namespace
      kubernetes_group = var.mwaa_access.kubernetes_group
      principal_arn    = var.mwaa_access.execution_role_arn
    } : null
  } : null
}
