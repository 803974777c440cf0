output "state_machine_arn" {
  description = "The failover state machine."
  value       = module.dr_failover.state_machine_arn
}

output "function_arns" {
  description = "Lambda ARN per step."
  value       = module.dr_failover.function_arns
}

output "failover_config" {
  description = "The configuration document the Lambdas and the runbook use."
  value       = module.dr_failover.failover_config
  sensitive   = true
}

output "state_table_name" {
  description = "Failover state table."
  value       = module.dr_failover.state_table_name
}

output "topic_arn" {
  description = "Notifications."
  value       = module.dr_failover.topic_arn
}
