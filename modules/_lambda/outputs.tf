output "functions" {
  description = "The aws_lambda_function objects by function id (null when not created)."
  value       = var.create ? aws_lambda_function.this : null
}

output "function_arns" {
  description = "Function ARNs by function id (null when not created)."
  value       = var.create ? { for k, f in aws_lambda_function.this : k => f.arn } : null
}

output "function_names" {
  description = "Function names by function id (null when not created)."
  value       = var.create ? { for k, f in aws_lambda_function.this : k => f.function_name } : null
}

output "event_invoke_configs" {
  description = "The aws_lambda_function_event_invoke_config objects by function id (null when async_invoke is null or nothing is created)."
  value       = var.create && var.async_invoke != null ? aws_lambda_function_event_invoke_config.this : null
}

output "role_arn" {
  description = "ARN of the execution role (null when not created)."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "role_name" {
  description = "Name of the execution role (null when not created)."
  value       = try(aws_iam_role.this[0].name, null)
}

output "role_trust_policy" {
  description = "The execution role's trust policy as JSON (null when not created)."
  value       = try(aws_iam_role.this[0].assume_role_policy, null)
}

output "role_policy" {
  description = "The execution role's inline policy as JSON (null when not created)."
  value       = try(aws_iam_role_policy.this[0].policy, null)
}

output "log_group_name" {
  description = "Name of the log group the functions write to (null when not created)."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "log_group_arn" {
  description = "ARN of the log group, known at plan time: name it in the key policy's kms:EncryptionContext:aws:logs:arn condition (null when not created)."
  value       = var.create ? local.log_group_arn : null
}

output "log_group_kms_key_id" {
  description = "Key the log group is encrypted with (null when not created)."
  value       = try(aws_cloudwatch_log_group.this[0].kms_key_id, null)
}

output "log_group_retention_in_days" {
  description = "Retention of the log group in days (null when not created)."
  value       = try(aws_cloudwatch_log_group.this[0].retention_in_days, null)
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue the functions use, created here or given (null when none)."
  value       = var.create ? local.dlq_arn : null
}

output "dlq_url" {
  description = "URL of the dead-letter queue created here (null when dead_letter.create is false)."
  value       = try(aws_sqs_queue.dlq[0].id, null)
}

output "dlq_kms_key_id" {
  description = "Key the created dead-letter queue is encrypted with (null when dead_letter.create is false)."
  value       = try(aws_sqs_queue.dlq[0].kms_master_key_id, null)
}
