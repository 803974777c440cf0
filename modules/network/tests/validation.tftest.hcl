# Every input validation rejects bad values at plan time (and the valid edge values pass).

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }
}

variables {
  name = "val-test"
}

run "edge_values_are_accepted" {
  command = plan

  variables {
    vpc_cidr       = "10.9.0.0/24"
    subnet_newbits = 4
    az_count       = 3
  }

  assert {
    condition     = aws_subnet.private["us-east-1c"].cidr_block == "10.9.0.32/28"
    error_message = "A /24 VPC with subnet_newbits = 4 must give /28 subnets."
  }
}

run "cidr_not_a_cidr" {
  command = plan
  variables {
    vpc_cidr = "not-a-cidr"
  }
  expect_failures = [var.vpc_cidr]
}

run "cidr_bad_prefix_length" {
  command = plan
  variables {
    vpc_cidr = "10.0.0.0/33"
  }
  expect_failures = [var.vpc_cidr]
}

run "cidr_ipv6_rejected" {
  command = plan
  variables {
    vpc_cidr = "fd00::/56"
  }
  expect_failures = [var.vpc_cidr]
}

run "cidr_too_small_28" {
  command = plan
  variables {
    vpc_cidr = "10.0.0.0/28"
  }
  expect_failures = [var.vpc_cidr]
}

run "cidr_too_small_25" {
  command = plan
  variables {
    vpc_cidr = "10.0.0.0/25"
  }
  expect_failures = [var.vpc_cidr]
}

run "cidr_too_large_12" {
  command = plan
  variables {
    vpc_cidr = "10.0.0.0/12"
  }
  expect_failures = [var.vpc_cidr]
}

run "cidr_host_bits_set" {
  command = plan
  variables {
    vpc_cidr = "10.0.1.0/16"
  }
  expect_failures = [var.vpc_cidr]
}

run "az_count_1" {
  command = plan
  variables {
    az_count = 1
  }
  expect_failures = [var.az_count]
}

run "az_count_4" {
  command = plan
  variables {
    az_count = 4
  }
  expect_failures = [var.az_count]
}

run "az_count_fractional" {
  command = plan
  variables {
    az_count = 2.5
  }
  expect_failures = [var.az_count]
}

run "azs_fewer_than_az_count" {
  command = plan
  variables {
    az_count = 3
    azs      = ["us-east-1a", "us-east-1b"]
  }
  expect_failures = [var.azs]
}

run "azs_zone_ids_rejected" {
  command = plan
  variables {
    azs = ["use1-az1", "use1-az2"]
  }
  expect_failures = [var.azs]
}

run "azs_duplicates_rejected" {
  command = plan
  variables {
    azs = ["us-east-1a", "us-east-1a"]
  }
  expect_failures = [var.azs]
}

run "subnet_newbits_too_few_slots" {
  command = plan
  variables {
    subnet_newbits = 2
  }
  expect_failures = [var.subnet_newbits]
}

run "subnets_smaller_than_28" {
  command = plan
  variables {
    vpc_cidr       = "10.0.0.0/24"
    subnet_newbits = 5
  }
  expect_failures = [var.subnet_newbits]
}

run "nat_without_public_subnets" {
  command = plan
  variables {
    egress_mode    = "nat"
    public_subnets = false
  }
  expect_failures = [var.egress_mode]
}

run "unknown_egress_mode" {
  command = plan
  variables {
    egress_mode = "internet"
  }
  expect_failures = [var.egress_mode]
}

run "unknown_endpoint_name" {
  command = plan
  variables {
    egress_mode    = "nat"
    public_subnets = true
    vpc_endpoints  = ["s3", "dynamodb"]
  }
  expect_failures = [var.vpc_endpoints]
}

run "endpoint_only_missing_required_endpoint" {
  command = plan
  variables {
    egress_mode   = "endpoints"
    vpc_endpoints = ["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "airflow.api", "airflow.env"]
  }
  expect_failures = [var.vpc_endpoints]
}

run "bad_name" {
  command = plan
  variables {
    name = "Bad_Name"
  }
  expect_failures = [var.name]
}

run "bad_trusted_account_id" {
  command = plan
  variables {
    endpoint_trusted_account_ids = ["12345"]
  }
  expect_failures = [var.endpoint_trusted_account_ids]
}

run "bad_organization_id" {
  command = plan
  variables {
    endpoint_trusted_organization_id = "org-123"
  }
  expect_failures = [var.endpoint_trusted_organization_id]
}

run "override_for_unknown_endpoint" {
  command = plan
  variables {
    endpoint_policy_overrides = {
      dynamodb = "{\"Statement\":[]}"
    }
  }
  expect_failures = [var.endpoint_policy_overrides]
}

run "override_not_a_policy" {
  command = plan
  variables {
    endpoint_policy_overrides = {
      sqs = "allow everything"
    }
  }
  expect_failures = [var.endpoint_policy_overrides]
}

run "flow_log_retention_not_allowed" {
  command = plan
  variables {
    flow_logs = {
      retention_in_days = 42
    }
  }
  expect_failures = [var.flow_logs]
}

run "flow_log_traffic_type_unknown" {
  command = plan
  variables {
    flow_logs = {
      traffic_type = "SOME"
    }
  }
  expect_failures = [var.flow_logs]
}

run "flow_log_aggregation_interval" {
  command = plan
  variables {
    flow_logs = {
      max_aggregation_interval = 300
    }
  }
  expect_failures = [var.flow_logs]
}
