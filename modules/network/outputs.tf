output "vpc_id" {
  description = "ID of the VPC (null when not created)."
  value       = try(aws_vpc.this[0].id, null)
}

output "vpc_arn" {
  description = "ARN of the VPC (null when not created)."
  value       = try(aws_vpc.this[0].arn, null)
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC (null when not created)."
  value       = try(aws_vpc.this[0].cidr_block, null)
}

output "availability_zones" {
  description = "Availability Zones the subnets are in, in order (null when not created)."
  value       = var.create ? local.azs : null
}

output "private_subnet_ids" {
  description = "Private subnet IDs, one per AZ in availability_zones order (null when not created). Give the first two to MWAA."
  value       = var.create ? [for az in local.azs : aws_subnet.private[az].id] : null
}

output "private_subnet_arns" {
  description = "Private subnet ARNs in availability_zones order, e.g. for the shared-vpc module (null when not created)."
  value       = var.create ? [for az in local.azs : aws_subnet.private[az].arn] : null
}

output "private_subnet_cidrs" {
  description = "Private subnet CIDRs in availability_zones order (null when not created)."
  value       = var.create ? [for az in local.azs : aws_subnet.private[az].cidr_block] : null
}

output "public_subnet_ids" {
  description = "Public subnet IDs in availability_zones order (null when not created or public_subnets = false)."
  value       = var.create && var.public_subnets ? [for az in local.azs : aws_subnet.public[az].id] : null
}

output "security_group_id" {
  description = "ID of the self-referencing security group for MWAA (null when not created)."
  value       = try(aws_security_group.mwaa[0].id, null)
}

output "endpoint_security_group_id" {
  description = "ID of the security group on the interface endpoints (null when none are created)."
  value       = try(aws_security_group.endpoints[0].id, null)
}

output "endpoint_ids" {
  description = "VPC endpoint IDs by short service name, e.g. { s3 = \"vpce-...\", sqs = \"vpce-...\" } (null when not created)."
  value       = var.create ? merge({ for k, e in aws_vpc_endpoint.gateway : k => e.id }, { for k, e in aws_vpc_endpoint.interface : k => e.id }, { for k, e in aws_vpc_endpoint.interface_shared_policy : k => e.id }) : null
}

output "private_route_table_ids" {
  description = "Private route table IDs in availability_zones order (null when not created)."
  value       = var.create ? [for az in local.azs : aws_route_table.private[az].id] : null
}

output "public_route_table_id" {
  description = "Public route table ID (null when not created or public_subnets = false)."
  value       = try(aws_route_table.public[0].id, null)
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs by AZ (null unless egress_mode = \"nat\")."
  value       = local.nat_enabled ? { for k, n in aws_nat_gateway.this : k => n.id } : null
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways by AZ, for allow-lists elsewhere (null unless egress_mode = \"nat\")."
  value       = local.nat_enabled ? { for k, e in aws_eip.nat : k => e.public_ip } : null
}

output "flow_log_id" {
  description = "ID of the VPC flow log (null when not created or flow logs are disabled)."
  value       = try(aws_flow_log.this[0].id, null)
}

output "flow_log_group_arn" {
  description = "ARN of the CloudWatch Logs group receiving the VPC flow logs (null when not created or flow logs are disabled)."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].arn, null)
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the flow logs (null when not created or flow logs are disabled)."
  value       = module.flow_logs_kms.arn
}
