# Inputs that must be refused at plan time, with a message that says how to fix them.

mock_provider "aws" {
  alias  = "primary"
  source = "../_testing/mocks/aws"
}

mock_provider "aws" {
  alias  = "secondary"
  source = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
}

run "bad_name" {
  command = plan

  variables {
    name = "MWAA_prod"
  }

  expect_failures = [var.name]
}

run "bad_bucket_key" {
  command = plan

  variables {
    name    = "dr-test"
    buckets = { "Backup-Bucket" = {} }
  }

  expect_failures = [var.buckets]
}

run "archive_storage_class_is_refused" {
  command = plan

  variables {
    name    = "dr-test"
    buckets = { backup = { replica_storage_class = "DEEP_ARCHIVE" } }
  }

  expect_failures = [var.buckets]
}

run "retention_out_of_range" {
  command = plan

  variables {
    name    = "dr-test"
    buckets = { backup = { noncurrent_days = 0 } }
  }

  expect_failures = [var.buckets]
}

run "kms_arn_must_be_an_arn" {
  command = plan

  variables {
    name = "dr-test"
    kms  = { replica_key_arn = "alias/foo" }
  }

  expect_failures = [var.kms]
}

run "keys_come_in_pairs" {
  command = plan

  variables {
    name = "dr-test"
    kms  = { primary_key_arn = "arn:aws:kms:us-east-1:111122223333:key/abc" }
  }

  expect_failures = [var.kms]
}
