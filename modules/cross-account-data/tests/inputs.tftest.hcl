# Every validation rejects a bad input at plan with its own message.

mock_provider "aws" {
  alias = "producer"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111", arn = "arn:aws:iam::111111111111:role/terraform", user_id = "AROAPRODUCER" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}

mock_provider "aws" {
  alias = "consumer"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222", arn = "arn:aws:iam::222222222222:role/terraform", user_id = "AROACONSUMER" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
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
