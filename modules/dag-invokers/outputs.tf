output "scheduled_function_arn" {
  description = "ARN of the scheduled invoker function (null when no flows)."
  value       = lookup(local.function_arns, "scheduled", null)
}

output "s3_function_arn" {
  description = "ARN of the S3-event invoker function (null when no routes)."
  value       = lookup(local.function_arns, "s3", null)
}

output "function_role_arns" {
  description = "Invoker -> execution role ARN (each may only call airflow:InvokeRestApi on the one environment); null when nothing is created."
  value       = length(module.invoker) > 0 ? { for k, m in module.invoker : k => m.role_arn } : null
}

output "schedule_group_name" {
  description = "EventBridge Scheduler group holding one schedule per flow (null when no flows)."
  value       = try(aws_scheduler_schedule_group.this[0].name, null)
}

output "schedule_arns" {
  description = "Flow id -> schedule ARN (null when no flows)."
  value       = local.scheduled ? { for k, s in aws_scheduler_schedule.this : k => s.arn } : null
}

output "scheduler_role_arn" {
  description = "Role EventBridge Scheduler uses to invoke the scheduled invoker (null when no flows)."
  value       = try(aws_iam_role.scheduler[0].arn, null)
}

output "s3_rule_arn" {
  description = "EventBridge rule for Object Created events (null unless s3_trigger.notification = \"eventbridge\")."
  value       = try(aws_cloudwatch_event_rule.s3[0].arn, null)
}

output "dlq_arns" {
  description = "Invoker -> dead-letter queue ARN (null when nothing is created)."
  value       = length(module.invoker) > 0 ? local.dlq_arns : null
}

output "log_group_names" {
  description = "Invoker -> log group name (null when nothing is created)."
  value       = length(module.invoker) > 0 ? { for k, m in module.invoker : k => m.log_group_name } : null
}

output "kms_key_arn" {
  description = "Key encrypting queues, logs, function environments and schedules (null when nothing is created)."
  value       = length(local.invokers) > 0 ? local.kms_key_arn : null
}
