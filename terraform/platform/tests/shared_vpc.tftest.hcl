# Shared-VPC participant mode of the platform stack (terraform test, mocked provider): no VPC of its own, MWAA in
# the owner's subnets, the endpoint automation as a forwarder to the owner's bus; bad input fails at plan.

# The DR stack's aliased providers (dr.tf) plan nothing in shared mode but must be configured.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "444455556666", arn = "arn:aws:iam::444455556666:role/test", user_id = "TEST" }
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

mock_provider "aws" {
  alias = "dr_primary"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "444455556666", arn = "arn:aws:iam::444455556666:role/test", user_id = "TEST" }
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

mock_provider "aws" {
  alias = "dr_secondary"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "444455556666", arn = "arn:aws:iam::444455556666:role/test", user_id = "TEST" }
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

# crossaccount.tf's producer-account provider plans nothing here but must be configured.
mock_provider "aws" {
  alias  = "data_producer"
  source = "./tests/mocks"
}

variables {
  environment      = "participant"
  region           = "us-east-1"
  primary_region   = "us-east-1"
  secondary_region = "us-west-2"
  networks         = {}
  assume_role_arn  = "arn:aws:iam::444455556666:role/mwaa-platform-terraform"
  dr               = { enabled = false }
  eks              = { enabled = false }
  shared_vpcs = {
    "us-east-1" = {
      vpc_id        = "vpc-0123456789abcdef0"
      subnet_ids    = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210", "subnet-00000000000000001"]
      event_bus_arn = "arn:aws:events:us-east-1:111122223333:event-bus/mwaa-prod-network-endpoints-forwarded"
    }
  }
  mwaa = { enabled = false }
  # a committed fixture zip: the test does not depend on `make package` having run
  lambda_zip_dir = "../../modules/endpoint-automation/tests/fixtures"
}

run "participant_builds_no_network_and_forwards_events" {
  command = plan

  assert {
    condition     = module.network.vpc_id == null && output.vpc_id == "vpc-0123456789abcdef0"
    error_message = "a participant must not build a VPC and must report the owner's"
  }
  assert {
    condition     = output.private_subnet_ids == tolist(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210", "subnet-00000000000000001"]) && local.subnet_ids == tolist(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
    error_message = "MWAA must use the first two shared subnets"
  }
  assert {
    condition     = output.shared_vpc_forwarder.event_bus_arn == "arn:aws:events:us-east-1:111122223333:event-bus/mwaa-prod-network-endpoints-forwarded"
    error_message = "the forwarder must target the owner's bus"
  }
  assert {
    condition     = module.endpoint_automation.function_name == null && module.endpoint_automation.event_pattern != null
    error_message = "a participant runs the forwarder (even without an environment here), never its own Lambda"
  }
  assert {
    condition     = module.mwaa.name == null
    error_message = "mwaa.enabled = false: no environment"
  }
}

run "participant_environment_goes_into_the_shared_vpc" {
  command = plan

  variables {
    mwaa = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER" }
  }

  assert {
    condition     = module.mwaa.name == "mwaa-participant" && local.vpc_id == "vpc-0123456789abcdef0"
    error_message = "the environment (and its security group, module.mwaa's vpc_id = local.vpc_id) must go into the owner's VPC"
  }
  assert {
    condition     = module.network.security_group_id == null && length(module.endpoint_automation.rule_arns) == 1 && contains(keys(module.endpoint_automation.rule_arns), "forward")
    error_message = "only the forwarding rule is expected in the participant"
  }
}

run "single_account_mode_is_unchanged" {
  command = plan

  variables {
    shared_vpcs     = {}
    assume_role_arn = null
    networks        = { "us-east-1" = { vpc_cidr = "10.10.0.0/16" } }
    mwaa            = { enabled = true, environment_class = "mw1.micro" }
  }

  assert {
    condition     = output.shared_vpc_forwarder == null && module.endpoint_automation.event_pattern != null
    error_message = "single account: no forwarder output, the handler is planned"
  }
}

run "rejects_a_region_in_both_networks_and_shared_vpcs" {
  command = plan
  variables {
    networks = { "us-east-1" = { vpc_cidr = "10.10.0.0/16" } }
  }
  expect_failures = [var.region]
}

run "rejects_one_subnet" {
  command = plan
  variables {
    shared_vpcs = { "us-east-1" = { vpc_id = "vpc-0123456789abcdef0", subnet_ids = ["subnet-0123456789abcdef0"], event_bus_arn = "arn:aws:events:us-east-1:111122223333:event-bus/b" } }
  }
  expect_failures = [var.shared_vpcs]
}

run "rejects_a_malformed_vpc_id" {
  command = plan
  variables {
    shared_vpcs = { "us-east-1" = { vpc_id = "my-vpc", subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"], event_bus_arn = "arn:aws:events:us-east-1:111122223333:event-bus/b" } }
  }
  expect_failures = [var.shared_vpcs]
}

run "rejects_a_bus_in_another_region" {
  command = plan
  variables {
    shared_vpcs = { "us-east-1" = { vpc_id = "vpc-0123456789abcdef0", subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"], event_bus_arn = "arn:aws:events:us-west-2:111122223333:event-bus/b" } }
  }
  expect_failures = [var.shared_vpcs]
}

run "rejects_service_managed_endpoints_in_a_shared_vpc" {
  command = plan
  variables {
    mwaa = { endpoint_management = "SERVICE" }
  }
  expect_failures = [var.shared_vpcs]
}

run "rejects_a_malformed_role_arn" {
  command = plan
  variables {
    assume_role_arn = "444455556666"
  }
  expect_failures = [var.assume_role_arn]
}

run "rejects_no_network_at_all" {
  command = plan
  variables {
    shared_vpcs = {}
  }
  expect_failures = [var.networks]
}
