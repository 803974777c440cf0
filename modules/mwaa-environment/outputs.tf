output "arn" {
  description = "ARN of the MWAA environment."
  value       = try(aws_mwaa_environment.this[0].arn, null)
}

output "name" {
  description = "Name of the MWAA environment."
  value       = try(aws_mwaa_environment.this[0].name, null)
}

output "status" {
  description = "Status of the environment as last read by Terraform."
  value       = try(aws_mwaa_environment.this[0].status, null)
}

output "webserver_url" {
  description = "Hostname of the Airflow web UI (private DNS for PRIVATE_ONLY)."
  value       = try(aws_mwaa_environment.this[0].webserver_url, null)
}

output "service_role_arn" {
  description = "Service-linked role MWAA uses for the environment."
  value       = try(aws_mwaa_environment.this[0].service_role_arn, null)
}

output "execution_role_arn" {
  description = "Execution role of the environment (the module's or the one passed in)."
  value       = var.create ? local.execution_role_arn : null
}

output "execution_role_name" {
  description = "Name of the execution role the module created (null when brought in), for attaching more policies."
  value       = try(aws_iam_role.execution[0].name, null)
}

output "database_vpc_endpoint_service" {
  description = "Endpoint service for the metadata database; only with endpoint_management = CUSTOMER (you create the endpoint), else null."
  value       = var.create && var.endpoint_management == "CUSTOMER" ? try(aws_mwaa_environment.this[0].database_vpc_endpoint_service, null) : null
}

output "webserver_vpc_endpoint_service" {
  description = "Endpoint service for the webserver; only with endpoint_management = CUSTOMER and webserver_access_mode = PRIVATE_ONLY, else null."
  value       = var.create && var.endpoint_management == "CUSTOMER" && var.webserver_access_mode == "PRIVATE_ONLY" ? try(aws_mwaa_environment.this[0].webserver_vpc_endpoint_service, null) : null
}

output "celery_executor_queue_arn" {
  description = "The environment's Celery SQS queue: provider 5.100 does not expose it, so this is celery_executor_queue_arn when you set it, else null."
  value       = var.create ? var.celery_executor_queue_arn : null
}

output "source_bucket_arn" {
  description = "ARN of the source bucket (created or brought in)."
  value       = var.create ? local.bucket_arn : null
}

output "source_bucket_name" {
  description = "Name of the source bucket."
  value       = var.create ? local.bucket_name : null
}

output "object_versions" {
  description = "S3 object versions the environment runs: requirements, plugins, startup_script (null when not used)."
  value       = var.create ? local.object_versions : null
}

output "security_group_id" {
  description = "The environment's self-referencing security group."
  value       = try(aws_security_group.this[0].id, null)
}

output "kms_key_arn" {
  description = "KMS key encrypting the environment (null with AWS owned keys)."
  value       = var.create ? local.kms_key_arn : null
}

output "log_group_arns" {
  description = "Log group ARN per enabled log type (dag_processing, scheduler, task, webserver, worker)."
  value       = var.create ? { for k, g in aws_cloudwatch_log_group.this : k => g.arn } : null
}

output "airflow_configuration_options" {
  description = "The Airflow configuration options sent to MWAA (presets merged with overrides). Sensitive: options may hold secrets."
  value       = var.create ? local.airflow_configuration_options : null
  sensitive   = true
}

output "capacity" {
  description = "The capacity the environment runs with after class defaults: schedulers, workers, webservers, tasks_per_worker."
  value = var.create ? {
    schedulers     = local.schedulers
    min_workers    = local.min_workers
    max_workers    = local.max_workers
    min_webservers = local.min_webservers
    max_webservers = local.max_webservers
    # only the worker_autoscale number is read out of the sensitive options: a task count, not a secret
    tasks_per_worker = nonsensitive(try(tonumber(split(",", local.airflow_configuration_options["celery.worker_autoscale"])[0]), local.class.tasks_per_worker))
  } : null
}
