# S3-event invoker: EventBridge (rule with key-prefix filters, DLQ, retries) or direct bucket notifications.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  environment_arn = "arn:aws:airflow:us-east-1:111122223333:environment/etl"
  airflow_version = "2.10.3"
  lambda_zip_path = "tests/fixtures/handler.zip"
  s3_trigger = {
    bucket_name = "landing-zone"
    routes = {
      "sales/"     = { dag_id = "sales_etl", conf = { layer = "raw" } }
      "sales/2025" = { dag_id = "sales_2025" }
      "hr/"        = { dag_id = "hr_etl" }
    }
  }
}

run "eventbridge_rule_filters_prefixes" {
  command = apply

  assert {
    condition     = keys(module.invoker) == ["s3"] && length(aws_scheduler_schedule.this) == 0 && aws_s3_bucket_notification.eventbridge[0].eventbridge == true
    error_message = "expected only the S3 invoker with EventBridge notifications on the bucket"
  }
  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.s3[0].event_pattern) == {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail        = { bucket = { name = ["landing-zone"] }, object = { key = [{ prefix = "hr/" }, { prefix = "sales/" }, { prefix = "sales/2025" }] } }
    }
    error_message = "the rule must match Object Created in the bucket under the routed prefixes"
  }
  assert {
    condition     = aws_cloudwatch_event_target.s3[0].dead_letter_config[0].arn == module.invoker["s3"].dlq_arn && aws_cloudwatch_event_target.s3[0].retry_policy[0].maximum_retry_attempts == 3
    error_message = "the target needs a DLQ and a retry policy"
  }
  assert {
    condition     = aws_lambda_permission.events[0].principal == "events.amazonaws.com" && aws_lambda_permission.events[0].source_arn == aws_cloudwatch_event_rule.s3[0].arn && aws_lambda_permission.events[0].source_account == "111122223333"
    error_message = "only the rule may invoke the function"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue_policy.s3_dlq[0].policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == aws_cloudwatch_event_rule.s3[0].arn
    error_message = "only the rule may write dead letters"
  }
  assert {
    condition     = jsondecode(module.invoker["s3"].functions["s3"].environment[0].variables.KEY_ROUTES)["sales/"] == { dag_id = "sales_etl", conf = { layer = "raw" } } && jsondecode(module.invoker["s3"].functions["s3"].environment[0].variables.BUCKETS) == ["landing-zone"]
    error_message = "KEY_ROUTES / BUCKETS wrong"
  }
  assert {
    condition     = jsondecode(module.invoker["s3"].role_policy).Statement[0].Resource == ["arn:aws:airflow:us-east-1:111122223333:environment/etl"]
    error_message = "InvokeRestApi must be scoped to the environment"
  }
  assert {
    condition     = output.s3_rule_arn == aws_cloudwatch_event_rule.s3[0].arn && output.dlq_arns == { s3 = module.invoker["s3"].dlq_arn } && output.schedule_arns == null
    error_message = "outputs wrong"
  }
}

run "direct_bucket_notification" {
  command = apply
  variables {
    s3_trigger = {
      bucket_name  = "landing-zone"
      notification = "lambda"
      routes = {
        "sales/" = { dag_id = "sales_etl" }
        "hr/"    = { dag_id = "hr_etl" }
      }
    }
  }
  assert {
    condition     = length(aws_cloudwatch_event_rule.s3) == 0 && length(aws_s3_bucket_notification.eventbridge) == 0
    error_message = "no EventBridge rule in lambda mode"
  }
  assert {
    condition     = [for f in aws_s3_bucket_notification.lambda[0].lambda_function : f.filter_prefix] == ["hr/", "sales/"] && alltrue([for f in aws_s3_bucket_notification.lambda[0].lambda_function : toset(f.events) == toset(["s3:ObjectCreated:*"])])
    error_message = "one ObjectCreated notification per prefix"
  }
  assert {
    condition     = aws_lambda_permission.s3[0].principal == "s3.amazonaws.com" && aws_lambda_permission.s3[0].source_arn == "arn:aws:s3:::landing-zone" && aws_lambda_permission.s3[0].source_account == "111122223333"
    error_message = "only the bucket (in this account) may invoke the function"
  }
}

run "bucket_notification_left_alone" {
  command = plan
  variables {
    s3_trigger = {
      bucket_name                = "landing-zone"
      manage_bucket_notification = false
      routes                     = { "sales/" = { dag_id = "sales_etl" } }
    }
  }
  assert {
    condition     = length(aws_s3_bucket_notification.eventbridge) == 0 && length(aws_cloudwatch_event_rule.s3) == 1
    error_message = "manage_bucket_notification = false must not touch the bucket's notification configuration"
  }
}
