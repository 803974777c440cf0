# dag_invokers (terraform test, mocked provider): off by default; on, the invokers of the primary's environment
# (its ARN, its Airflow version), never in the secondary; bad settings fail at plan. And after a blue-green upgrade:
# mwaa.environment_name adopts the new environment under its own name while the module's resources keep the
# mwaa-<environment> prefix, and what points at the environment (DR, DAG invokers) follows it.

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

run "dag_invokers_are_off_by_default" {
  command = plan

  assert {
    condition     = output.dag_invokers == null && module.dag_invokers.schedule_group_name == null && module.dag_invokers.log_group_names == null
    error_message = "without dag_invokers.enabled nothing of modules/dag-invokers may be planned and the output must be null"
  }
}

run "dag_invokers_on_trigger_the_primarys_environment" {
  command = plan

  variables {
    dag_invokers = {
      enabled = true
      flows = {
        daily_sales = { dag_id = "sales_etl", schedule_expression = "cron(0 6 * * ? *)", conf = { mode = "full" } }
      }
      s3_trigger = {
        bucket_name = "landing-zone-111122223333"
        routes      = { "sales/" = { dag_id = "sales_etl" } }
      }
    }
  }

  assert {
    condition     = local.dag_invokers_enabled && module.dag_invokers.schedule_group_name == "mwaa-prod-primary-invokers"
    error_message = "the scheduled invoker's schedule group must be planned for the primary"
  }
  assert {
    condition     = module.dag_invokers.log_group_names.scheduled == "/aws/lambda/mwaa-prod-primary-invokers-scheduled" && module.dag_invokers.log_group_names.s3 == "/aws/lambda/mwaa-prod-primary-invokers-s3"
    error_message = "both invokers (scheduled and S3) must be planned"
  }
  assert {
    condition     = output.dag_invokers != null
    error_message = "the dag_invokers output must be set when they are planned"
  }
}

run "dag_invokers_stay_out_of_the_secondary" {
  command = plan

  variables {
    region = "us-west-2"
    dag_invokers = {
      enabled = true
      flows   = { daily = { dag_id = "sales_etl", schedule_expression = "rate(1 day)" } }
    }
  }

  assert {
    condition     = module.mwaa.name == "mwaa-prod" && !local.dag_invokers_enabled && output.dag_invokers == null
    error_message = "warm standby: the secondary has its twin environment but no invokers (they would queue runs in the paused standby)"
  }
}

run "dag_invokers_without_anything_to_invoke_are_refused" {
  command = plan

  variables {
    dag_invokers = { enabled = true }
  }

  expect_failures = [var.dag_invokers]
}

run "dag_invokers_without_an_environment_are_refused" {
  command = plan

  variables {
    mwaa         = { enabled = false }
    dag_invokers = { enabled = true, flows = { daily = { dag_id = "x", schedule_expression = "rate(1 day)" } } }
  }

  expect_failures = [var.dag_invokers]
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
