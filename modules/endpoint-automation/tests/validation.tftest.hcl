# Inputs the module rejects at plan, each on the variable that is wrong.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  lambda_zip_path = "tests/fixtures/endpoints.zip"
}

run "handler_without_zip" {
  command = plan
  variables {
    lambda_zip_path = null
  }
  expect_failures = [var.lambda_zip_path]
}

run "handler_with_missing_zip" {
  command = plan
  variables {
    lambda_zip_path = "build/lambda/does-not-exist.zip"
  }
  expect_failures = [var.lambda_zip_path]
}

run "unsupported_runtime" {
  command = plan
  variables {
    lambda = { runtime = "python3.9" }
  }
  expect_failures = [var.lambda]
}

run "unknown_mode" {
  command = plan
  variables {
    mode = "both"
  }
  expect_failures = [var.mode]
}

run "forwarder_without_owner_bus" {
  command = plan
  variables {
    mode = "forwarder"
  }
  expect_failures = [var.forward_to_event_bus_arn]
}

run "forwarder_with_a_rule_arn_instead_of_a_bus" {
  command = plan
  variables {
    mode                     = "forwarder"
    forward_to_event_bus_arn = "arn:aws:events:us-east-1:111122223333:rule/x"
  }
  expect_failures = [var.forward_to_event_bus_arn]
}

run "malformed_participant" {
  command = plan
  variables {
    participant_account_ids = ["4444"]
  }
  expect_failures = [var.participant_account_ids]
}

run "malformed_vpc" {
  command = plan
  variables {
    allowed_vpc_ids = ["my-vpc"]
  }
  expect_failures = [var.allowed_vpc_ids]
}

run "malformed_endpoint_security_group" {
  command = plan
  variables {
    endpoint_security_group_ids = ["default"]
  }
  expect_failures = [var.endpoint_security_group_ids]
}

run "encryption_cannot_be_switched_off" {
  command = plan
  variables {
    kms = { create = false }
  }
  expect_failures = [var.kms]
}

run "timeout_too_short" {
  command = plan
  variables {
    lambda = { timeout = 10 }
  }
  expect_failures = [var.lambda]
}

run "lambda_retries_above_two" {
  command = plan
  variables {
    retry_policy = { lambda_retry_attempts = 3 }
  }
  expect_failures = [var.retry_policy]
}
