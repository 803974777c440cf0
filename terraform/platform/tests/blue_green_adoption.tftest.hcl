# After a blue-green upgrade (terraform test, mocked provider): mwaa.environment_name adopts the new environment
# under its own name while the module's resources keep the mwaa-<environment> prefix, and what points at the
# environment (DR, DAG invokers) follows it; names outside the prefix fail at plan.

mock_provider "aws" {
  source = "./tests/mocks"

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
}

mock_provider "aws" {
  alias  = "dr_primary"
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "dr_secondary"
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "data_producer"
  source = "./tests/mocks"
}

variables {
  environment      = "prod"
  region           = "us-east-1"
  primary_region   = "us-east-1"
  secondary_region = "us-west-2"
  networks = {
    "us-east-1" = { vpc_cidr = "10.10.0.0/16" }
    "us-west-2" = { vpc_cidr = "10.20.0.0/16" }
  }
  dr   = { enabled = false }
  eks  = { enabled = false }
  mwaa = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER" }
  # committed fixture zips: the test does not depend on `make package` having run
  lambda_zip_dir = "tests/fixtures"
}

run "the_successor_is_the_environment_and_the_prefix_stays" {
  command = plan

  variables {
    mwaa = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER",
    environment_name = "mwaa-prod-3-2", airflow_version = "3.2.1" }
    dag_invokers = {
      enabled = true
      flows   = { daily = { dag_id = "sales_etl", schedule_expression = "rate(1 day)" } }
    }
  }

  assert {
    condition     = module.mwaa.name == "mwaa-prod-3-2" && local.mwaa_prefix == "mwaa-prod"
    error_message = "the environment takes mwaa.environment_name; the module keeps the mwaa-<environment> prefix"
  }
  assert {
    condition     = local.mwaa_names == { primary = "mwaa-prod-3-2", secondary = "mwaa-prod-3-2" }
    error_message = "the DR configuration must watch and restore the adopted environment in both regions"
  }
}

run "one_region_moved_first" {
  command = plan

  variables {
    region = "us-west-2"
    mwaa = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER",
    environment_name_by_region = { "us-east-1" = "mwaa-prod-3-2" } }
  }

  assert {
    condition     = module.mwaa.name == "mwaa-prod" && local.mwaa_names == { primary = "mwaa-prod-3-2", secondary = "mwaa-prod" }
    error_message = "environment_name_by_region names the environment of that region only"
  }
}

run "a_name_outside_the_prefix_is_refused" {
  command = plan

  variables {
    mwaa = { enabled = true, environment_name = "analytics-3-2" }
  }

  expect_failures = [var.mwaa]
}
