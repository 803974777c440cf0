output "resource_share_arn" {
  description = "ARN of the RAM resource share (null when not created)."
  value       = try(aws_ram_resource_share.this[0].arn, null)
}

output "resource_share_id" {
  description = "ID of the RAM resource share (null when not created)."
  value       = try(aws_ram_resource_share.this[0].id, null)
}

output "shared_subnet_arns" {
  description = "ARNs of the shared subnets, in input order (null when not created)."
  value       = var.create ? [for i in range(length(var.subnet_arns)) : aws_ram_resource_association.subnet[tostring(i)].resource_arn] : null
}

output "shared_subnet_ids" {
  description = "IDs of the shared subnets, in input order: what a participant passes to MWAA (null when not created)."
  value       = var.create ? local.subnet_ids : null
}

output "vpc_id" {
  description = "The VPC the shared subnets are in (passed through; null when not created)."
  value       = var.create ? var.vpc_id : null
}

output "principals" {
  description = "Accounts, OUs or organization the subnets are shared with (null when not created)."
  value       = var.create ? [for p in var.principals : aws_ram_principal_association.this[p].principal] : null
}

output "participant" {
  description = "Everything a participant account needs to place MWAA in the shared subnets: vpc_id, subnet_ids, owner_account_id, region, resource_share_arn, external_principals_allowed (accounts outside the organization must accept the RAM invitation) (null when not created)."
  value = var.create ? {
    vpc_id                      = var.vpc_id
    subnet_ids                  = local.subnet_ids
    owner_account_id            = local.owner_account_id
    region                      = local.region
    resource_share_arn          = aws_ram_resource_share.this[0].arn
    external_principals_allowed = var.allow_external_principals
  } : null
}
