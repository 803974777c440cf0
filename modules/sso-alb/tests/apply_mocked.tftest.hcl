# Apply (and destroy) of the full module against a mocked provider: the graph is consistent end to end.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_secretsmanager_secret_version" {
    defaults = { secret_string = "{\"client_secret\":\"from-secrets-manager\"}" }
  }
  mock_data "aws_elb_service_account" {
    defaults = { arn = "arn:aws:iam::127311923021:root" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.80.0.0/16" }
  }
  mock_resource "aws_lb" {
    defaults = {
      arn      = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/sso-test-sso/50dc6c495c0c9188"
      dns_name = "internal-sso-test-sso-1.us-east-1.elb.amazonaws.com"
    }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/sso-test-sso-auth/0123456789abcdef" }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/sso-test-sso/50dc6c495c0c9188/0123456789abcdef" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:sso-test-authenticator" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/sso-test-authenticator" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/sso-test-sso-authorizations" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::sso-test-alb-logs-123456789012-us-east-1" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/sso-test-sso/66666666-2222-3333-4444-555555555555" }
  }
}

variables {
  name                = "sso-test"
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  ingress_cidr_blocks = ["10.0.0.0/8", "192.168.0.0/16"]
  certificate_arn     = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  oidc = {
    issuer                 = "https://login.example.com"
    authorization_endpoint = "https://login.example.com/authorize"
    token_endpoint         = "https://login.example.com/token"
    user_info_endpoint     = "https://login.example.com/userinfo"
    client_id              = "airflow-sso"
    client_secret_arn      = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sso-client-AbCdEf"
    client_secret_json_key = "client_secret"
    logout_url             = "https://login.example.com/logout"
  }
  environments = {
    dev = {
      mwaa_environment_name = "dev-airflow"
      allowed_roles         = ["Admin", "Op", "User", "Viewer"]
    }
    prod = {
      mwaa_environment_name = "prod-airflow"
      allowed_roles         = ["Op", "Viewer"]
      region                = "us-west-2"
      host_headers          = ["prod-airflow.example.com"]
    }
  }
  authenticator = {
    zip_path = "tests/fixtures/authenticator.zip"
  }
}

run "applies_against_mocks" {
  command = apply

  assert {
    condition     = length(output.access_role_arns) == 4 && output.table_name == "sso-test-sso-authorizations"
    error_message = "Apply against mocks must yield four access roles and the named table."
  }

  assert {
    condition     = aws_lambda_permission.alb[0].source_arn == aws_lb_target_group.authenticator[0].arn && aws_lb_target_group_attachment.authenticator[0].target_id == module.authenticator.functions["authenticator"].arn
    error_message = "Only the SSO target group may invoke the authenticator, and it targets the authenticator."
  }
}

