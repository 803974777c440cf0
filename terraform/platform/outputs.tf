output "role" {
  description = "This workspace's role: primary or secondary."
  value       = local.role
}

output "region" {
  description = "The region this workspace manages."
  value       = var.region
}

output "vpc_id" {
  description = "VPC of this region's platform."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets (MWAA uses the first two)."
  value       = module.network.private_subnet_ids
}

output "security_group_id" {
  description = "Self-referencing security group for MWAA."
  value       = module.network.security_group_id
}

output "endpoint_ids" {
  description = "VPC endpoint ids by service short name."
  value       = module.network.endpoint_ids
}
