# The shared-VPC owner stack (terraform test, mocked provider): network + RAM share to the participants + the
# endpoint automation in owner mode with a bus for their forwarded events; bad input fails at plan.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333", arn = "arn:aws:iam::111122223333:role/test", user_id = "TEST" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
}

variables {
  environment    = "prod"
  region         = "us-east-1"
  lambda_zip_dir = "../../modules/endpoint-automation/tests/fixtures"
  networks = {
    "us-east-1" = { vpc_cidr = "10.30.0.0/16", az_count = 2 }
  }
  participants = {
    account_ids            = ["444455556666", "777788889999"]
    organization_unit_arns = ["arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cd34ef56"]
  }
}

run "owner_shares_subnets_and_runs_the_automation" {
  command = plan

  assert {
    condition     = jsonencode(module.shared_vpc.principals) == jsonencode(["444455556666", "777788889999", "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cd34ef56"])
    error_message = "the private subnets must be shared with every participant account and OU"
  }
  assert {
    condition     = module.endpoint_automation.function_name == "mwaa-prod-network-endpoints" && contains(keys(module.endpoint_automation.rule_arns), "forwarded")
    error_message = "the owner runs the Lambda with a rule for the participants' forwarded events"
  }
  assert {
    condition     = length(module.network.private_subnet_ids) == 2
    error_message = "two private subnets (az_count = 2) are built and shared"
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.mwaa_endpoints) == 4 && alltrue([for r in aws_vpc_security_group_ingress_rule.mwaa_endpoints : contains([5432, 443], r.from_port) && r.from_port == r.to_port && r.ip_protocol == "tcp"])
    error_message = "the owner's endpoint group admits only 5432 and 443, from each shared private subnet"
  }
}

run "rejects_a_region_without_network" {
  command = plan
  variables {
    region = "eu-west-1"
  }
  expect_failures = [var.region]
}

run "rejects_no_participant_account" {
  command = plan
  variables {
    participants = { account_ids = [] }
  }
  expect_failures = [var.participants]
}

run "rejects_a_malformed_account_id" {
  command = plan
  variables {
    participants = { account_ids = ["4444-5555-6666"] }
  }
  expect_failures = [var.participants]
}

run "rejects_a_repeated_account" {
  command = plan
  variables {
    participants = { account_ids = ["444455556666", "444455556666"] }
  }
  expect_failures = [var.participants]
}

run "rejects_a_malformed_ou" {
  command = plan
  variables {
    participants = { account_ids = ["444455556666"], organization_unit_arns = ["ou-ab12-cd34ef56"] }
  }
  expect_failures = [var.participants]
}
