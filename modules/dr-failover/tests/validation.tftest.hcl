# Inputs refused at plan time with a message that says how to fix them.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
}

variables {
  name            = "fo-test"
  env             = "test"
  primary_region  = "us-east-1"
  environments    = { primary = "fo-test-primary", secondary = "fo-test-secondary" }
  lambda_zip_path = "handlers.json"
  storage = {
    config_bucket = "fo-test-backup-replica"
    kms_key_arn   = "arn:aws:kms:us-west-2:111122223333:key/44444444-4444-4444-4444-444444444444"
    backup_url    = "s3://fo-test-backup-replica/test"
  }
}

run "n_above_m" {
  command = plan

  variables {
    health = { periods = 3, unhealthy_periods = 4 }
  }

  expect_failures = [var.health]
}

run "odd_period" {
  command = plan

  variables {
    health = { period_seconds = 45 }
  }

  expect_failures = [var.health]
}

run "backup_restore_needs_overrides" {
  command = plan

  variables {
    dr_mode = "backup_restore"
  }

  expect_failures = [var.secondary_environment]
}

run "unknown_in_flight_policy" {
  command = plan

  variables {
    restore = { in_flight = "retry" }
  }

  expect_failures = [var.restore]
}

run "bad_schedule" {
  command = plan

  variables {
    schedule = { expression = "every minute" }
  }

  expect_failures = [var.schedule]
}

run "verify_must_fit_in_a_lambda" {
  command = plan

  variables {
    timeouts = { verify = 1200 }
  }

  expect_failures = [var.timeouts]
}

run "backup_url_must_be_s3" {
  command = plan

  variables {
    storage = {
      config_bucket = "b"
      kms_key_arn   = "arn:aws:kms:us-west-2:111122223333:key/x"
      backup_url    = "b/test"
    }
  }

  expect_failures = [var.storage]
}
