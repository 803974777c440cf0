# dr-storage applied against mocked providers: the outputs a caller wires on (no credentials, no network).

mock_provider "aws" {
  alias = "primary"

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-1111-1111-1111-111111111111" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-primary-bucket" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/dr-test-dr-replication" }
  }
}

mock_provider "aws" {
  alias = "secondary"

  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-replica-bucket" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-2222-2222-222222222222" }
  }
  mock_resource "aws_kms_replica_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/mrk-22222222222222222222222222222222" }
  }
}

variables {
  name = "dr-test"
}

run "apply_against_mocks_fills_the_outputs" {
  command = apply

  assert {
    condition     = output.primary_buckets["dags"].name == "dr-test-dags-111122223333-us-east-1" && output.replica_buckets["dags"].name == "dr-test-dags-111122223333-us-west-2"
    error_message = "Outputs must name both sides of every pair."
  }

  assert {
    condition     = output.replication["dr-test-backup-111122223333-us-east-1"].destination_bucket == "dr-test-backup-111122223333-us-west-2" && output.replication["dr-test-backup-111122223333-us-east-1"].destination_region == "us-west-2"
    error_message = "The replication output maps each source bucket to its destination."
  }
}
