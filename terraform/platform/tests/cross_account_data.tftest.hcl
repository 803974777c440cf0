# cross_account_data (terraform test, mocked providers): off by default; on, the pipeline in the primary only,
# wired to the environment's execution role, security group, VPC and route tables, a Redshift VPC of 3 AZs, and
# the environment's Secrets Manager backend; bad settings fail at plan.

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

  mock_data "aws_caller_identity" {
    defaults = { account_id = "444455556666", arn = "arn:aws:iam::444455556666:role/terraform-data-producer", user_id = "TEST" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
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

run "cross_account_data_is_off_by_default" {
  command = plan

  assert {
    condition     = output.cross_account_data == null && length(module.cross_account_data) == 0 && module.redshift_network.vpc_id == null
    error_message = "without cross_account_data.enabled neither the pipeline nor its Redshift VPC may be planned"
  }
  assert {
    condition     = length(local.cross_account_airflow_options) == 0
    error_message = "without the pipeline the environment keeps its own secrets backend settings"
  }
}

run "cross_account_data_on_wires_the_primarys_environment" {
  command = plan

  variables {
    cross_account_data = {
      enabled           = true
      producer_role_arn = "arn:aws:iam::444455556666:role/terraform-data-producer"
      input_prefix      = "sales/raw/"
      output_prefix     = "sales/unload/"
      redshift_network  = { vpc_cidr = "10.30.0.0/16" }
      redshift          = { base_capacity = 16 }
    }
  }

  assert {
    condition     = length(module.cross_account_data) == 1 && module.cross_account_data[0].glue_job_name != null && output.cross_account_data != null
    error_message = "the pipeline must be planned in the primary"
  }
  assert {
    condition     = module.cross_account_data[0].producer_account_id == "444455556666" && module.cross_account_data[0].consumer_account_id == "111122223333"
    error_message = "account A's side must be planned through aws.data_producer, account B's through this stack's provider"
  }
  assert {
    condition     = length(module.redshift_network.private_subnet_ids) == 3 && module.redshift_network.availability_zones == tolist(["us-east-1a", "us-east-1b", "us-east-1c"])
    error_message = "Redshift Serverless needs a VPC with private subnets in three AZs"
  }
  assert {
    condition     = local.cross_account_airflow_options["secrets.backend"] == "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend" && nonsensitive(module.mwaa.airflow_configuration_options["secrets.backend"]) == local.cross_account_airflow_options["secrets.backend"]
    error_message = "the environment must get the Secrets Manager backend holding the pipeline's variable and connections"
  }
  assert {
    condition     = module.cross_account_data[0].redshift_connection_id == "redshift_default"
    error_message = "with Redshift Serverless on, the Redshift connection must be planned"
  }
}

run "cross_account_data_without_redshift_for_the_emulator" {
  command = plan

  variables {
    cross_account_data = {
      enabled                    = true
      enable_redshift_serverless = false
      redshift_network           = { vpc_cidr = "10.30.0.0/16" }
      force_destroy              = true
    }
  }

  assert {
    condition     = length(module.cross_account_data) == 1 && module.cross_account_data[0].redshift_connection_id == null && module.cross_account_data[0].glue_job_name != null
    error_message = "enable_redshift_serverless = false keeps buckets, roles and Glue and leaves Redshift out"
  }
}

run "cross_account_data_stays_out_of_the_secondary" {
  command = plan

  variables {
    region = "us-west-2"
    cross_account_data = {
      enabled          = true
      redshift_network = { vpc_cidr = "10.30.0.0/16" }
    }
  }

  assert {
    condition     = length(module.cross_account_data) == 0 && module.redshift_network.vpc_id == null && output.cross_account_data == null
    error_message = "the pipeline is a primary-region capability"
  }
}

run "cross_account_data_needs_a_redshift_network" {
  command = plan

  variables {
    cross_account_data = { enabled = true }
  }

  expect_failures = [var.cross_account_data]
}

run "cross_account_data_refuses_a_malformed_producer_role" {
  command = plan

  variables {
    cross_account_data = { enabled = true, producer_role_arn = "444455556666", redshift_network = { vpc_cidr = "10.30.0.0/16" } }
  }

  expect_failures = [var.cross_account_data]
}

run "cross_account_data_refuses_a_shared_vpc_primary" {
  command = plan

  variables {
    networks = { "us-west-2" = { vpc_cidr = "10.20.0.0/16" } }
    shared_vpcs = {
      "us-east-1" = {
        vpc_id        = "vpc-0123456789abcdef0"
        subnet_ids    = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
        event_bus_arn = "arn:aws:events:us-east-1:111122223333:event-bus/owner"
      }
    }
    cross_account_data = { enabled = true, redshift_network = { vpc_cidr = "10.30.0.0/16" } }
  }

  expect_failures = [var.cross_account_data]
}
