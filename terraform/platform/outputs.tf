output "role" {
  description = "This workspace's role: primary or secondary."
  value       = local.role
}

output "region" {
  description = "The region this workspace manages."
  value       = var.region
}

output "vpc_id" {
  description = "VPC of this region's platform (the owner's VPC for a shared-VPC participant)."
  value       = local.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets (MWAA uses the first two; for a shared-VPC participant, the owner's shared subnets)."
  value       = local.shared_vpc != null ? local.shared_vpc.subnet_ids : module.network.private_subnet_ids
}

output "security_group_id" {
  description = "Self-referencing security group for MWAA (a shared-VPC participant's is the environment's own, in the owner's VPC)."
  value       = local.shared_vpc != null ? module.mwaa.security_group_id : module.network.security_group_id
}

output "endpoint_ids" {
  description = "VPC endpoint ids by service short name."
  value       = module.network.endpoint_ids
}

output "mwaa_environment_name" {
  description = "The MWAA environment in this region (null where none: backup_restore secondary)."
  value       = module.mwaa.name

  precondition {
    condition     = alltrue([for r in keys(var.mwaa.airflow_version_by_region) : contains([var.primary_region, var.secondary_region], r)])
    error_message = "mwaa.airflow_version_by_region names a region that is neither primary_region nor secondary_region of this stack."
  }
  precondition {
    condition     = !local.dr_enabled || local.airflow_version_rank.secondary >= local.airflow_version_rank.primary
    error_message = "The secondary region's Airflow version is older than the primary's: a failover restores the primary's history, and Airflow's migrations take it forward only. Upgrade the secondary first (mwaa.airflow_version_by_region = { \"<secondary region>\" = \"<newer version>\" }), then the primary."
  }
}

output "mwaa_environment_arn" {
  description = "ARN of the MWAA environment (null where none)."
  value       = module.mwaa.arn
}

output "mwaa_webserver_url" {
  description = "Airflow UI host of the environment (null where none)."
  value       = module.mwaa.webserver_url
}

output "mwaa_execution_role_arn" {
  description = "Execution role of the environment (null where none)."
  value       = module.mwaa.execution_role_arn
}

output "mwaa_source_bucket" {
  description = "Source bucket (DAGs, requirements, plugins) of the environment (null where none)."
  value       = module.mwaa.source_bucket_name
}

output "endpoint_automation_function" {
  description = "The PENDING/DELETED endpoint Lambda (null unless endpoint_management = CUSTOMER)."
  value       = module.endpoint_automation.function_name
}

output "k8s_bootstrap" {
  description = "Input of `mwaa-platform k8s bootstrap` (null unless EKS is enabled)."
  value       = module.eks_irsa.k8s_bootstrap
}
