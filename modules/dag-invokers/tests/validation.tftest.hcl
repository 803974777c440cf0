# Inputs MWAA, Scheduler or S3 would reject fail at plan, with a message that names the fix.

mock_provider "aws" {}

variables {
  environment_arn = "arn:aws:airflow:us-east-1:111122223333:environment/etl"
  airflow_version = "2.10.3"
  lambda_zip_path = "tests/fixtures/handler.zip"
  flows           = { daily = { dag_id = "etl", schedule_expression = "rate(1 day)" } }
}

run "environment_arn_must_be_an_mwaa_environment" {
  command = plan
  variables { environment_arn = "arn:aws:s3:::bucket" }
  expect_failures = [var.environment_arn]
}

run "airflow_version_must_be_2_or_3" {
  command = plan
  variables { airflow_version = "1.10.12" }
  expect_failures = [var.airflow_version]
}

run "zip_must_exist" {
  command = plan
  variables { lambda_zip_path = "build/lambda/missing.zip" }
  expect_failures = [var.lambda_zip_path]
}

run "flow_ids_and_dag_ids" {
  command = plan
  variables { flows = { "bad flow" = { dag_id = "etl", schedule_expression = "rate(1 day)" } } }
  expect_failures = [var.flows]
}

run "dag_id_fits_invoke_rest_api_path" {
  command = plan
  variables { flows = { daily = { dag_id = "a_dag_id_that_is_far_too_long_for_the_invoke_rest_api_path", schedule_expression = "rate(1 day)" } } }
  expect_failures = [var.flows]
}

run "schedule_expression_form" {
  command = plan
  variables { flows = { daily = { dag_id = "etl", schedule_expression = "0 6 * * *" } } }
  expect_failures = [var.flows]
}

run "routes_need_a_bucket" {
  command = plan
  variables { s3_trigger = { routes = { "sales/" = { dag_id = "etl" } } } }
  expect_failures = [var.s3_trigger]
}

run "no_leading_slash_in_prefixes" {
  command = plan
  variables { s3_trigger = { bucket_name = "landing-zone", routes = { "/sales/" = { dag_id = "etl" } } } }
  expect_failures = [var.s3_trigger]
}

run "overlapping_prefixes_need_eventbridge" {
  command = plan
  variables {
    s3_trigger = {
      bucket_name  = "landing-zone"
      notification = "lambda"
      routes       = { "sales/" = { dag_id = "a" }, "sales/2025/" = { dag_id = "b" } }
    }
  }
  expect_failures = [var.s3_trigger]
}

run "notification_kind" {
  command = plan
  variables { s3_trigger = { bucket_name = "landing-zone", notification = "sns", routes = { "a/" = { dag_id = "a" } } } }
  expect_failures = [var.s3_trigger]
}

run "own_key_needs_an_arn" {
  command = plan
  variables { kms = { create = false } }
  expect_failures = [var.kms]
}

run "reserved_concurrency_not_zero" {
  command = plan
  variables { lambda = { reserved_concurrency = 0 } }
  expect_failures = [var.lambda]
}

run "timeout_covers_the_retries" {
  command = plan
  variables { lambda = { timeout = 5 } }
  expect_failures = [var.lambda]
}
