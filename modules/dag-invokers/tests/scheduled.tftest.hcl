# Scheduled invoker: one schedule per flow, flow id + scheduler context in the input, least-privilege roles.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-west-1:111122223333:function:dag-invokers-scheduled" }
  }
}

variables {
  environment_arn = "arn:aws:airflow:eu-west-1:111122223333:environment/prod-env"
  airflow_version = "3.0.6"
  lambda_zip_path = "tests/fixtures/handler.zip"
  flows = {
    daily_sales = { dag_id = "sales_etl", schedule_expression = "cron(0 6 * * ? *)", timezone = "Europe/Paris", conf = { mode = "full" } }
    hourly_ping = { dag_id = "ping", schedule_expression = "rate(1 hour)", enabled = false, flexible_window_minutes = 15 }
  }
}

run "one_schedule_per_flow" {
  command = apply

  assert {
    condition     = length(aws_scheduler_schedule.this) == 2 && keys(module.invoker) == ["scheduled"] && length(aws_cloudwatch_event_rule.s3) == 0
    error_message = "expected two schedules and only the scheduled invoker"
  }
  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["daily_sales"].target[0].input) == { flow_id = "daily_sales", scheduled_time = "<aws.scheduler.scheduled-time>", execution_id = "<aws.scheduler.execution-id>" }
    error_message = "the schedule input must carry the flow id and the scheduler's context attributes"
  }
  assert {
    condition     = aws_scheduler_schedule.this["daily_sales"].schedule_expression_timezone == "Europe/Paris" && aws_scheduler_schedule.this["daily_sales"].state == "ENABLED" && aws_scheduler_schedule.this["hourly_ping"].state == "DISABLED"
    error_message = "timezone / state not applied"
  }
  assert {
    condition     = aws_scheduler_schedule.this["hourly_ping"].flexible_time_window[0].mode == "FLEXIBLE" && aws_scheduler_schedule.this["hourly_ping"].flexible_time_window[0].maximum_window_in_minutes == 15 && aws_scheduler_schedule.this["daily_sales"].flexible_time_window[0].mode == "OFF"
    error_message = "flexible windows wrong"
  }
  assert {
    condition     = aws_scheduler_schedule.this["daily_sales"].target[0].dead_letter_config[0].arn == module.invoker["scheduled"].dlq_arn && aws_scheduler_schedule.this["daily_sales"].kms_key_arn == module.kms.arn
    error_message = "schedules need the DLQ and the CMK"
  }
  assert {
    condition     = jsondecode(module.invoker["scheduled"].functions["scheduled"].environment[0].variables.FLOWS) == { daily_sales = { dag_id = "sales_etl", conf = { mode = "full" } }, hourly_ping = { dag_id = "ping", conf = {} } }
    error_message = "FLOWS must map flow ids to DAG ids and conf"
  }
  assert {
    condition     = module.invoker["scheduled"].functions["scheduled"].environment[0].variables.MWAA_ENVIRONMENT_NAME == "prod-env" && module.invoker["scheduled"].functions["scheduled"].environment[0].variables.AIRFLOW_VERSION == "3.0.6" && module.invoker["scheduled"].functions["scheduled"].handler == "mwaa_platform.airflow_api.handlers.scheduled"
    error_message = "function configuration wrong"
  }
  assert {
    condition     = jsondecode(module.invoker["scheduled"].role_policy).Statement[0] == { Sid = "InvokeRestApiOnTheOneEnvironment", Effect = "Allow", Action = ["airflow:InvokeRestApi"], Resource = ["arn:aws:airflow:eu-west-1:111122223333:environment/prod-env"] }
    error_message = "the function may call airflow:InvokeRestApi on the one environment only"
  }
  assert {
    condition     = alltrue([for s in jsondecode(module.invoker["scheduled"].role_policy).Statement : alltrue([for a in s.Action : !endswith(a, "*")])])
    error_message = "no wildcard actions"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.scheduler[0].policy).Statement[0].Resource == ["arn:aws:lambda:eu-west-1:111122223333:function:dag-invokers-scheduled"] && jsondecode(aws_iam_role.scheduler[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "the scheduler role may invoke only the scheduled invoker and trusts only this account's schedules"
  }
  assert {
    condition     = module.invoker["scheduled"].log_group_kms_key_id == module.kms.arn && module.invoker["scheduled"].log_group_retention_in_days == 365 && module.invoker["scheduled"].dlq_kms_key_id == module.kms.arn
    error_message = "logs and DLQ must be KMS-encrypted"
  }
  assert {
    condition     = output.schedule_group_name == "dag-invokers" && length(output.schedule_arns) == 2 && output.s3_function_arn == null && output.s3_rule_arn == null && output.scheduled_function_arn == module.invoker["scheduled"].functions["scheduled"].arn
    error_message = "outputs wrong"
  }
}

run "bring_your_own_key" {
  command = plan
  variables {
    kms = { create = false, key_arn = "arn:aws:kms:eu-west-1:111122223333:key/abcd" }
  }
  assert {
    condition     = module.kms.alias_name == null && module.invoker["scheduled"].dlq_kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/abcd"
    error_message = "an existing key must be used as given"
  }
}
