output "shared_vpc_forwarder" {
  description = "Shared-VPC participant: the rule forwarding this account's MWAA status events and the owner's bus it targets (null unless this region is in shared_vpcs)."
  value = local.shared_vpc != null ? {
    rule_arn      = try(module.endpoint_automation.rule_arns.forward, null)
    event_bus_arn = local.shared_vpc.event_bus_arn
    dlq_url       = module.endpoint_automation.dlq_url
  } : null
}
