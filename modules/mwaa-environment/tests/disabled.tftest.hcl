# create = false: nothing is planned and every output is null.

mock_provider "aws" {}

run "nothing_is_created" {
  command = apply
  variables {
    create = false
    name   = "disabled"
  }
  assert {
    condition     = length(aws_mwaa_environment.this) == 0 && module.source_bucket.arn == null && length(aws_iam_role.execution) == 0 && module.kms.alias_name == null && length(aws_security_group.this) == 0 && length(aws_cloudwatch_log_group.this) == 0
    error_message = "resources were created with create = false"
  }
  assert {
    condition = alltrue([for o in [
      output.arn, output.name, output.status, output.webserver_url, output.service_role_arn, output.execution_role_arn,
      output.execution_role_name, output.database_vpc_endpoint_service, output.webserver_vpc_endpoint_service,
      output.celery_executor_queue_arn, output.source_bucket_arn, output.source_bucket_name, output.security_group_id,
      output.kms_key_arn,
    ] : o == null]) && output.object_versions == null && output.log_group_arns == null && output.capacity == null && output.airflow_configuration_options == null
    error_message = "every output must be null with create = false"
  }
}
