output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnet IDs (give the first two to MWAA)."
  value       = module.network.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Public subnet IDs (null without public subnets)."
  value       = module.network.public_subnet_ids
}

output "security_group_id" {
  description = "Self-referencing security group for MWAA."
  value       = module.network.security_group_id
}

output "endpoint_ids" {
  description = "VPC endpoint IDs by service name."
  value       = module.network.endpoint_ids
}

output "private_route_table_ids" {
  description = "Private route table IDs."
  value       = module.network.private_route_table_ids
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs by AZ (null in endpoint-only mode)."
  value       = module.network.nat_gateway_ids
}

output "flow_log_group_arn" {
  description = "Flow-log group ARN."
  value       = module.network.flow_log_group_arn
}

output "kms_key_arn" {
  description = "KMS key ARN for the flow logs."
  value       = module.network.kms_key_arn
}
