output "region" {
  description = "The region this workspace manages."
  value       = var.region
}

output "vpc_id" {
  description = "The shared VPC."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "The private subnets shared with the participants (MWAA uses the first two)."
  value       = module.network.private_subnet_ids
}

output "resource_share_arn" {
  description = "The RAM share of the private subnets."
  value       = module.shared_vpc.resource_share_arn
}

output "endpoint_automation_function" {
  description = "The Lambda that creates MWAA endpoints in this VPC for every participant's environment."
  value       = module.endpoint_automation.function_name
}

output "forwarded_event_bus_arn" {
  description = "The bus participants forward their MWAA status events to."
  value       = module.endpoint_automation.forwarded_event_bus_arn
}

output "endpoint_automation_dlq_url" {
  description = "Dead-letter queue of undeliverable events and failed runs of the automation."
  value       = module.endpoint_automation.dlq_url
}

output "participant" {
  description = "What a participant needs, as one value: pass it as the `shared_vpcs[<region>]` entry of the platform stack (vpc_id, subnet_ids, event_bus_arn), plus owner_account_id and resource_share_arn for reference."
  value = {
    vpc_id             = module.network.vpc_id
    subnet_ids         = try(slice(module.network.private_subnet_ids, 0, 2), [])
    event_bus_arn      = module.endpoint_automation.forwarded_event_bus_arn
    owner_account_id   = try(module.shared_vpc.participant.owner_account_id, null)
    resource_share_arn = module.shared_vpc.resource_share_arn
  }
}

output "mwaa_endpoint_security_group_id" {
  description = "The group the automation puts on the MWAA endpoints it creates here (5432 and 443 from the shared private subnets)."
  value       = aws_security_group.mwaa_endpoints.id
}
