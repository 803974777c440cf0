# dr_mode = backup_restore, secondary workspace (terraform test, mocked provider): no environment, but the recovery
# kit it will be created with (role, key, log groups, security group over the replica DAGs bucket), the endpoint
# automation for it, and the failover's CreateEnvironment overrides pointing at that kit.

mock_provider "aws" {
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

run "secondary_holds_the_recovery_kit_and_the_overrides_use_it" {
  command = plan

  variables {
    region = "us-west-2"
  }

  # The kit's computed identifiers, known at plan so that the wiring can be compared value for value.
  override_resource {
    target          = module.mwaa.aws_iam_role.execution[0]
    override_during = plan
    values          = { arn = "arn:aws:iam::111122223333:role/mwaa-mwaa-prod-us-west-2-execution", name = "mwaa-mwaa-prod-us-west-2-execution" }
  }
  override_resource {
    target          = module.network.aws_subnet.private["us-west-2a"]
    override_during = plan
    values          = { id = "subnet-0aaaaaaaaaaaaaaaa" }
  }
  override_resource {
    target          = module.network.aws_subnet.private["us-west-2b"]
    override_during = plan
    values          = { id = "subnet-0bbbbbbbbbbbbbbbb" }
  }
  override_resource {
    target          = module.network.aws_subnet.private["us-west-2c"]
    override_during = plan
    values          = { id = "subnet-0cccccccccccccccc" }
  }
  override_resource {
    target          = module.mwaa.module.kms.aws_kms_key.this[0]
    override_during = plan
    values          = { arn = "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-3333-4444-555555555555" }
  }
  override_resource {
    target          = module.mwaa.aws_security_group.this[0]
    override_during = plan
    values          = { id = "sg-0aaaaaaaaaaaaaaaa" }
  }

  assert {
    condition     = module.mwaa.name == null && output.mwaa_environment_name == null
    error_message = "backup_restore: no environment in the secondary until a failover creates it"
  }
  assert {
    condition     = module.mwaa.execution_role_arn == "arn:aws:iam::111122223333:role/mwaa-mwaa-prod-us-west-2-execution" && length(keys(module.mwaa.log_group_arns)) == 5 && module.mwaa.kms_key_arn == "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-3333-4444-555555555555"
    error_message = "the kit's execution role (named for this region) and log groups must exist"
  }
  assert {
    condition     = module.mwaa.source_bucket_arn == "arn:aws:s3:::mwaa-prod-dags-111122223333-us-west-2"
    error_message = "the kit reads the replica DAGs bucket"
  }
  assert {
    condition = (
      module.dr_failover.failover_config.secondary_overrides.ExecutionRoleArn == "arn:aws:iam::111122223333:role/mwaa-mwaa-prod-us-west-2-execution" &&
      module.dr_failover.failover_config.secondary_overrides.KmsKey == "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-3333-4444-555555555555" &&
      module.dr_failover.failover_config.secondary_overrides.NetworkConfiguration.SecurityGroupIds == tolist(["sg-0aaaaaaaaaaaaaaaa"]) &&
      module.dr_failover.failover_config.secondary_overrides.NetworkConfiguration.SubnetIds == tolist(["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]) &&
      module.dr_failover.failover_config.secondary_overrides.SourceBucketArn == "arn:aws:s3:::mwaa-prod-dags-111122223333-us-west-2"
    )
    error_message = "CreateEnvironment overrides must be the kit's role, key, security group, two subnets and the replica bucket"
  }
  assert {
    condition = module.dr_failover.failover_config.secondary_overrides.AirflowConfigurationOptions == tomap({
      "mwaa_platform.dr_backup_url" = "s3://mwaa-prod-backup-111122223333-us-west-2/prod-us-west-2"
      "mwaa_platform.dr_kms_key_id" = "arn:aws:kms:us-west-2:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
    })
    error_message = "the recreated environment backs up to the failback prefix with the replica key, never the primary region's key"
  }
  assert {
    condition     = module.endpoint_automation.event_pattern != null && length(aws_iam_role_policy.dr_restore_callback) == 1
    error_message = "the secondary needs the endpoint automation (CUSTOMER endpoints) for the environment a failover creates, and the kit's role the restore callback"
  }
  assert {
    condition     = module.dr_failover.failover_config.secondary_overrides.AirflowVersion == "2.10.3"
    error_message = "the environment a failover creates runs this region's Airflow version"
  }
}

run "secondary_upgraded_first_creates_the_newer_version" {
  command = plan

  variables {
    region = "us-west-2"
    mwaa   = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER", airflow_version = "2.11.0", airflow_version_by_region = { "us-west-2" = "3.2.1" } }
  }

  assert {
    condition     = module.dr_failover.failover_config.secondary_overrides.AirflowVersion == "3.2.1"
    error_message = "a secondary region upgraded before its primary must create its environment on its own (newer) version"
  }
}

run "in_flight_policy_reaches_the_failover" {
  command = plan

  variables {
    region = "us-west-2"
    dr     = { enabled = true, restore = { in_flight = "fail" } }
  }

  assert {
    condition     = module.dr_failover.failover_config.restore_in_flight == "fail" && module.dr_failover.failover_config.restore_strategy == "replace"
    error_message = "dr.restore.in_flight in the tfvars reaches the failover's configuration (the other restore settings keep their defaults)"
  }
}

run "in_flight_policy_defaults_to_rerun" {
  command = plan

  variables {
    region = "us-west-2"
  }

  assert {
    condition     = module.dr_failover.failover_config.restore_in_flight == "rerun"
    error_message = "without dr.restore.in_flight the tasks in flight in the snapshot are rerun by the secondary"
  }
}

run "unknown_in_flight_policy_fails_at_plan" {
  command = plan

  variables {
    region = "us-west-2"
    dr     = { enabled = true, restore = { in_flight = "retry" } }
  }

  expect_failures = [var.dr]
}

run "secondary_older_than_the_primary_fails_at_plan" {
  command = plan

  variables {
    region = "us-west-2"
    mwaa   = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER", airflow_version = "3.2.1", airflow_version_by_region = { "us-west-2" = "2.11.0" } }
  }

  # a failover would restore a 3.2.1 history into 2.11.0: Airflow's migrations go forward only
  expect_failures = [output.mwaa_environment_name]
}

run "airflow_version_by_region_names_only_this_stacks_regions" {
  command = plan

  variables {
    region = "us-west-2"
    mwaa   = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER", airflow_version_by_region = { "eu-west-1" = "3.2.1" } }
  }

  expect_failures = [output.mwaa_environment_name]
}

run "secondary_without_the_failover_zip_fails_at_plan" {
  command = plan

  variables {
    region         = "us-west-2"
    lambda_zip_dir = "tests/fixtures/endpoints-only" # endpoints.zip only: failover.zip not packaged
  }

  # Before: a warning, and the failover control plane planned away. Now: an error that says `make package`.
  expect_failures = [terraform_data.dr_failover_artifact]
}
