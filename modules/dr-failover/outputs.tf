output "state_machine_arn" {
  description = "The failover state machine (the restore DAG's execution role needs states:SendTaskSuccess/SendTaskFailure on it)."
  value       = try(aws_sfn_state_machine.this[0].arn, null)
}

output "state_table_name" {
  description = "DynamoDB table holding the failover state."
  value       = try(aws_dynamodb_table.state[0].name, null)
}

output "topic_arn" {
  description = "SNS topic of every failover transition and alert."
  value       = try(aws_sns_topic.this[0].arn, null)
}

output "function_arns" {
  description = "Lambda ARN per step (handler name -> ARN)."
  value       = module.lambda.function_arns
}

output "schedule_arn" {
  description = "The EventBridge Scheduler schedule that starts the evaluation."
  value       = try(aws_scheduler_schedule.health[0].arn, null)
}

output "config_parameter_name" {
  description = "SSM parameter with the failover configuration (the runbook reads it)."
  value       = try(aws_ssm_parameter.config[0].name, null)
}

output "failover_config" {
  description = "The failover configuration document (mwaa_platform.failover.config.FailoverConfig). Sensitive: secondary_overrides carries Airflow configuration options."
  value       = var.create ? local.failover_config : null
  sensitive   = true
}

output "kms_key_arn" {
  description = "Key of the state table, topic, logs and Lambda environment."
  value       = var.create ? local.kms_key_arn : null
}

output "lambda_role_arn" {
  description = "Role of the failover steps."
  value       = module.lambda.role_arn
}
