output "function_arn" {
  description = "ARN of the endpoint automation function (handler mode)."
  value       = local.function_arn
}

output "function_name" {
  description = "Name of the function (handler mode)."
  value       = local.function_name
}

output "role_arn" {
  description = "The function's execution role (handler mode)."
  value       = module.lambda.role_arn
}

output "rule_arns" {
  description = "EventBridge rules by purpose: own (this account's events), forwarded (participants' events), forward (forwarder mode)."
  value = var.create ? merge(
    { for k, r in local.handler_rules : k => r.arn },
    local.forwarder ? { forward = aws_cloudwatch_event_rule.forward[0].arn } : {},
  ) : null
}

output "event_pattern" {
  description = "The event pattern the rules match (source aws.airflow, MWAA Environment Status Change, PENDING/DELETED)."
  value       = var.create ? local.event_pattern : null
}

output "forwarded_event_bus_arn" {
  description = "Owner side: the bus participants forward to (pass it to their forwarder as forward_to_event_bus_arn); null without participants."
  value       = try(aws_cloudwatch_event_bus.forwarded[0].arn, null)
}

output "forwarder_role_arn" {
  description = "Forwarder mode: the role EventBridge uses to put events on the owner's bus."
  value       = try(aws_iam_role.forwarder[0].arn, null)
}

output "dlq_arn" {
  description = "Dead-letter queue for undeliverable events and failed function runs."
  value       = try(aws_sqs_queue.dlq[0].arn, null)
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = try(aws_sqs_queue.dlq[0].id, null)
}

output "log_group_name" {
  description = "The function's log group (handler mode)."
  value       = module.lambda.log_group_name
}

output "kms_key_arn" {
  description = "Key encrypting the queue, logs and function environment."
  value       = var.create ? local.kms_key_arn : null
}
