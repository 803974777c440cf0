# dr-failover applied against a mocked provider: the outputs a caller wires on.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/33333333-3333-3333-3333-333333333333" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-west-2:111122223333:fo-test-failover" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/fo-test-failover" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-west-2:111122223333:function:fo-test-failover-step" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-west-2:111122223333:log-group:/aws/vendedlogs/states/fo-test-failover" }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:us-west-2:111122223333:stateMachine:fo-test-failover" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-west-2:111122223333:table/fo-test-failover-state" }
  }
}

variables {
  name            = "fo-test"
  env             = "test"
  primary_region  = "us-east-1"
  environments    = { primary = "fo-test-primary", secondary = "fo-test-secondary" }
  lambda_zip_path = "handlers.json"
  storage = {
    config_bucket = "fo-test-backup-replica"
    kms_key_arn   = "arn:aws:kms:us-west-2:111122223333:key/44444444-4444-4444-4444-444444444444"
    backup_url    = "s3://fo-test-backup-replica/test"
  }
}

run "apply_fills_the_outputs" {
  command = apply

  assert {
    condition     = length(output.function_arns) == 12 && output.state_machine_arn == "arn:aws:states:us-west-2:111122223333:stateMachine:fo-test-failover"
    error_message = "Outputs must carry every step's function and the state machine."
  }

  assert {
    condition     = output.failover_config.state_table == "fo-test-failover-state" && output.failover_config.topic_arn == "arn:aws:sns:us-west-2:111122223333:fo-test-failover" && output.config_parameter_name == "/mwaa-platform/test/failover/config"
    error_message = "The configuration names the table and topic the module created."
  }
}
