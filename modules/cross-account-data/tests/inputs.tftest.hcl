# Every validation rejects a bad input at plan with its own message; then the create gate, the Redshift Serverless
# switch (ENV=local), the endpoint/peering switches and the preconditions.

mock_provider "aws" {
  alias  = "producer"
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111", arn = "arn:aws:iam::111111111111:role/terraform", user_id = "AROAPRODUCER" }
  }
}

mock_provider "aws" {
  alias  = "consumer"
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222", arn = "arn:aws:iam::222222222222:role/terraform", user_id = "AROACONSUMER" }
  }
}

variables {
  name     = "sales"
  consumer = { mwaa_execution_role_arn = "arn:aws:iam::222222222222:role/mwaa-prod" }
  network = {
    mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1", "subnet-0a2"] }
    redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
  }
}

run "valid_inputs_plan" {
  command = plan
}

run "name_upper_case" {
  command = plan
  variables {
    name = "Sales"
  }
  expect_failures = [var.name]
}

run "name_too_long" {
  command = plan
  variables {
    name = "a-name-that-is-far-too-long"
  }
  expect_failures = [var.name]
}

run "input_prefix_leading_slash" {
  command = plan
  variables {
    producer = { input_prefix = "/raw/" }
  }
  expect_failures = [var.producer]
}

run "input_prefix_without_trailing_slash" {
  command = plan
  variables {
    producer = { input_prefix = "raw" }
  }
  expect_failures = [var.producer]
}

run "same_input_and_output_prefix" {
  command = plan
  variables {
    producer = { input_prefix = "data/", output_prefix = "data/" }
  }
  expect_failures = [var.producer]
}

run "bad_bucket_name" {
  command = plan
  variables {
    producer = { input_bucket_name = "Bad_Bucket" }
  }
  expect_failures = [var.producer]
}

run "producer_kms_window_too_short" {
  command = plan
  variables {
    producer = { kms_deletion_window_in_days = 3 }
  }
  expect_failures = [var.producer]
}

run "mwaa_role_not_an_arn" {
  command = plan
  variables {
    consumer = { mwaa_execution_role_arn = "mwaa-prod" }
  }
  expect_failures = [var.consumer]
}

run "egress_rule_without_security_group" {
  command = plan
  variables {
    consumer = { mwaa_execution_role_arn = "arn:aws:iam::222222222222:role/mwaa-prod", add_mwaa_egress_rule = true }
  }
  expect_failures = [var.consumer]
}

run "secret_recovery_window_out_of_range" {
  command = plan
  variables {
    consumer = { mwaa_execution_role_arn = "arn:aws:iam::222222222222:role/mwaa-prod", secret_recovery_window_in_days = 3 }
  }
  expect_failures = [var.consumer]
}

run "airflow_prefix_with_trailing_slash" {
  command = plan
  variables {
    airflow = { connections_prefix = "airflow/connections/" }
  }
  expect_failures = [var.airflow]
}

run "airflow_prefixes_equal" {
  command = plan
  variables {
    airflow = { connections_prefix = "airflow/all", variables_prefix = "airflow/all" }
  }
  expect_failures = [var.airflow]
}

run "glue_version_unknown" {
  command = plan
  variables {
    glue = { glue_version = "2.0" }
  }
  expect_failures = [var.glue]
}

run "glue_one_worker" {
  command = plan
  variables {
    glue = { number_of_workers = 1 }
  }
  expect_failures = [var.glue]
}

run "glue_schedule_not_cron" {
  command = plan
  variables {
    glue = { crawler_schedule = "@daily" }
  }
  expect_failures = [var.glue]
}

run "redshift_capacity_not_multiple_of_8" {
  command = plan
  variables {
    redshift = { base_capacity = 12 }
  }
  expect_failures = [var.redshift]
}

run "redshift_max_below_base" {
  command = plan
  variables {
    redshift = { base_capacity = 32, max_capacity = 16 }
  }
  expect_failures = [var.redshift]
}

run "redshift_port_outside_allowed_ranges" {
  command = plan
  variables {
    redshift = { port = 5500 }
  }
  expect_failures = [var.redshift]
}

run "redshift_reserved_admin" {
  command = plan
  variables {
    redshift = { admin_username = "admin" }
  }
  expect_failures = [var.redshift]
}

run "redshift_unknown_log_export" {
  command = plan
  variables {
    redshift = { log_exports = ["auditlog"] }
  }
  expect_failures = [var.redshift]
}

run "overlapping_vpc_cidrs" {
  command = plan
  variables {
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1"] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.10.128.0/20", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
    }
  }
  expect_failures = [var.network]
}

run "adjacent_vpc_cidrs_are_fine" {
  command = plan
  variables {
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/17", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1"] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.10.128.0/17", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
    }
  }
}

run "invalid_cidr" {
  command = plan
  variables {
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1"] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
    }
  }
  expect_failures = [var.network]
}

run "same_vpc_twice" {
  command = plan
  variables {
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1"] }
      redshift_vpc = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
    }
  }
  expect_failures = [var.network]
}

run "peering_without_route_tables" {
  command = plan
  variables {
    network = {
      mwaa_vpc                   = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = [], subnet_ids = ["subnet-0a1"] }
      redshift_vpc               = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
      create_s3_gateway_endpoint = true
    }
  }
  expect_failures = [var.network]
}

run "secretsmanager_endpoint_without_subnets" {
  command = plan
  variables {
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1"], subnet_ids = [] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
    }
  }
  expect_failures = [var.network]
}

run "redshift_needs_three_subnets" {
  command = plan
  variables {
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1"] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2"] }
    }
  }
  expect_failures = [var.network]
}

run "create_false_creates_nothing_and_outputs_null" {
  command = apply

  variables {
    create = false
    # Inputs that would fail the cross-variable checks are fine when nothing is created.
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = [], subnet_ids = [] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = [], subnet_ids = [] }
    }
  }

  assert {
    condition = (
      length(module.producer_bucket) + (module.producer_logs_bucket.arn == null ? 0 : 1) + (module.staging_bucket.arn == null ? 0 : 1) +
      length(aws_iam_role.glue) + length(aws_iam_role.redshift) + length(aws_iam_role.producer_unload) +
      length(aws_iam_role_policy.mwaa) + length(aws_kms_key.producer) + length(aws_kms_key.consumer) +
      length(aws_glue_job.transform) + length(aws_vpc_peering_connection.mwaa_redshift) + length(aws_vpc_endpoint.s3) +
      length(aws_secretsmanager_secret.pipeline_variable) + length(aws_redshiftserverless_namespace.this) +
      length(data.aws_caller_identity.producer) + length(data.aws_caller_identity.consumer)
    ) == 0
    error_message = "create = false must create (and read) nothing."
  }

  assert {
    condition = alltrue([for v in [
      output.input_bucket_name, output.output_bucket_name, output.staging_bucket_name, output.glue_role_arn,
      output.redshift_role_arn, output.producer_unload_role_arn, output.unload_role_chain, output.airflow_configuration_options,
      output.pipeline_config, output.redshift_endpoint, output.redshift_admin_secret_arn, output.vpc_peering_connection_id,
      output.glue_script_s3_uri, output.glue_table_name, output.producer_account_id, output.consumer_account_id,
    ] : v == null])
    error_message = "Every output must be null when nothing is created."
  }
}

run "redshift_serverless_off_for_env_local" {
  command = apply

  variables {
    enable_redshift_serverless = false
    # With Redshift off, fewer than 3 Redshift subnets is accepted.
    network = {
      mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1"], subnet_ids = ["subnet-0a1"] }
      redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1"] }
    }
  }

  assert {
    condition = (
      length(aws_redshiftserverless_namespace.this) + length(aws_redshiftserverless_workgroup.this) +
      length(aws_security_group.redshift) + length(aws_redshiftdata_statement.schema) +
      length(aws_redshiftdata_statement.load_procedure) + length(aws_secretsmanager_secret.redshift_connection)
    ) == 0
    error_message = "enable_redshift_serverless = false must skip namespace, workgroup, its security group, SQL setup and connection secret."
  }

  assert {
    condition     = length(aws_iam_role.redshift) == 1 && length(aws_iam_role.producer_unload) == 1 && length(aws_vpc_peering_connection.mwaa_redshift) == 1
    error_message = "Roles, peering and the rest stay when only Redshift Serverless is off."
  }

  assert {
    condition     = output.redshift_endpoint == null && output.redshift_workgroup_name == null && output.redshift_connection_secret_arn == null && output.pipeline_config.redshift_workgroup == null
    error_message = "Redshift outputs must be null when it is off."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s if startswith(s.Sid, "RedshiftData")]) == 0
    error_message = "No Redshift Data permissions without a workgroup."
  }
}

run "peering_and_endpoints_can_be_left_to_other_modules" {
  command = plan

  variables {
    network = {
      mwaa_vpc                       = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = [], subnet_ids = [] }
      redshift_vpc                   = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = [], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
      create_peering                 = false
      create_s3_gateway_endpoint     = false
      create_secretsmanager_endpoint = false
    }
  }

  assert {
    condition     = length(aws_vpc_peering_connection.mwaa_redshift) + length(aws_route.mwaa_to_redshift) + length(aws_vpc_endpoint.s3) + length(aws_vpc_endpoint.secretsmanager) + length(aws_vpc_security_group_egress_rule.redshift_to_s3) == 0
    error_message = "The network switches must remove peering, routes and endpoints (and the S3 egress rule)."
  }

  assert {
    condition     = length(aws_redshiftserverless_workgroup.this) == 1
    error_message = "Redshift Serverless does not depend on the module's own endpoints."
  }
}

run "regions_must_match" {
  command = plan

  override_data {
    target = data.aws_region.producer
    values = { name = "eu-west-1" }
  }

  expect_failures = [aws_kms_key.producer]
}

run "mwaa_role_must_be_in_the_consumer_account" {
  command = plan

  variables {
    consumer = { mwaa_execution_role_arn = "arn:aws:iam::333333333333:role/mwaa-elsewhere" }
  }

  expect_failures = [aws_kms_key.producer, aws_iam_role_policy.mwaa]
}
