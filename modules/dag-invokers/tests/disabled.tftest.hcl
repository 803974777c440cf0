# create = false: nothing is planned and every output is null, even without a zip or an environment.

mock_provider "aws" {}

run "nothing_is_created" {
  command = apply
  variables {
    create = false
    flows  = { daily = { dag_id = "etl", schedule_expression = "rate(1 day)" } }
    s3_trigger = {
      bucket_name = "landing-bucket"
      routes      = { "sales/" = { dag_id = "sales_etl" } }
    }
  }
  assert {
    condition     = length(module.invoker) == 0 && output.dlq_arns == null && module.kms.alias_name == null && length(aws_scheduler_schedule.this) == 0 && length(aws_cloudwatch_event_rule.s3) == 0 && output.function_role_arns == null
    error_message = "resources were created with create = false"
  }
  assert {
    condition = alltrue([for o in [
      output.scheduled_function_arn, output.s3_function_arn, output.function_role_arns, output.schedule_group_name,
      output.schedule_arns, output.scheduler_role_arn, output.s3_rule_arn, output.dlq_arns, output.log_group_names,
      output.kms_key_arn,
    ] : o == null])
    error_message = "every output must be null with create = false"
  }
}
