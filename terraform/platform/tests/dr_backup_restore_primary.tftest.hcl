# dr_mode = backup_restore, primary workspace (terraform test, mocked provider): the environment reads its DAGs
# from the replicated DR dags bucket (uploads encrypted with the DR key), so the environment a failover recreates
# in the secondary finds the same files in the replica.

mock_provider "aws" {
  source = "./tests/mocks"

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555" }
  }
}

mock_provider "aws" {
  alias  = "dr_primary"
  source = "./tests/mocks"

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555" }
  }
}

mock_provider "aws" {
  alias  = "dr_secondary"
  source = "./tests/mocks"

  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-west-2a", "us-west-2b", "us-west-2c"] }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/11111111-2222-3333-4444-555555555555" }
  }
}

# crossaccount.tf's producer-account provider plans nothing here but must be configured.
mock_provider "aws" {
  alias  = "data_producer"
  source = "./tests/mocks"
}

variables {
  environment      = "prod"
  primary_region   = "us-east-1"
  secondary_region = "us-west-2"
  networks = {
    "us-east-1" = { vpc_cidr = "10.10.0.0/16" }
    "us-west-2" = { vpc_cidr = "10.20.0.0/16" }
  }
  dr_mode = "backup_restore"
  dr      = { enabled = true }
  eks     = { enabled = false }
  mwaa    = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER" }
  # committed fixture zips: the test does not depend on `make package` having run
  lambda_zip_dir = "tests/fixtures"
}

run "primary_environment_reads_dags_from_the_replicated_bucket" {
  command = plan

  variables {
    region = "us-east-1"
  }

  assert {
    condition     = module.mwaa.source_bucket_arn == "arn:aws:s3:::mwaa-prod-dags-111122223333-us-east-1" && module.mwaa.source_bucket_name == "mwaa-prod-dags-111122223333-us-east-1"
    error_message = "backup_restore: the primary environment must use the DR dags bucket (replicated), not a bucket of its own"
  }
  assert {
    condition     = module.dr_storage.primary_buckets != null && contains(keys(module.dr_storage.primary_buckets), "dags")
    error_message = "the primary workspace must create the dags pair"
  }
  assert {
    condition     = module.dr_failover.failover_config == null
    error_message = "the failover control plane belongs to the secondary workspace"
  }
}

run "warm_standby_keeps_the_environment_bucket" {
  command = plan

  variables {
    region  = "us-east-1"
    dr_mode = "warm_standby"
  }

  assert {
    condition     = local.mwaa_source_bucket.create && local.mwaa_source_bucket.arn == null
    error_message = "warm_standby: each environment keeps its own source bucket"
  }
}

run "rejects_dr_without_an_environment" {
  command = plan

  variables {
    region = "us-east-1"
    mwaa   = { enabled = false }
  }

  expect_failures = [var.dr]
}
