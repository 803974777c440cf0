# dr-storage against mocked providers (no credentials, no network): what is planned for each side.

mock_provider "aws" {
  alias           = "primary"
  override_during = plan
  source          = "../_testing/mocks/aws"
}

mock_provider "aws" {
  alias           = "secondary"
  override_during = plan
  source          = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-2222-2222-222222222222" }
  }
  mock_resource "aws_kms_replica_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/mrk-22222222222222222222222222222222" }
  }
}

# The apply run's provider: without override_during = plan, computed values are generated once, at apply.
mock_provider "aws" {
  alias  = "primary_apply"
  source = "../_testing/mocks/aws"
}

mock_provider "aws" {
  alias  = "secondary_apply"
  source = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
}

variables {
  name = "dr-test"
}

run "two_pairs_replicated_and_reencrypted_by_default" {
  command = plan

  assert {
    condition     = module.primary_bucket["backup"].name == "dr-test-backup-111122223333-us-east-1" && module.replica_bucket["backup"].name == "dr-test-backup-111122223333-us-west-2"
    error_message = "Bucket names must be <name>-<purpose>-<account>-<region> on each side."
  }

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.this) == 2 && aws_kms_key.primary[0].multi_region && length(aws_kms_replica_key.replica) == 1 && length(aws_kms_key.replica) == 0
    error_message = "Each pair needs a replication configuration; by default a multi-Region key and its replica in the secondary."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["dags"].rule[0].delete_marker_replication[0].status == "Disabled"
    error_message = "Delete markers must not replicate by default (a delete in the primary keeps the replica's latest version)."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].encryption_configuration[0].replica_kms_key_id == "arn:aws:kms:us-west-2:111122223333:key/mrk-22222222222222222222222222222222"
    error_message = "Replicas must be re-encrypted with the secondary region's key (the multi-Region replica)."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].source_selection_criteria[0].sse_kms_encrypted_objects[0].status == "Enabled"
    error_message = "SSE-KMS objects must be selected for replication (they are skipped otherwise)."
  }

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].replication_time) == 0
    error_message = "Replication Time Control is opt-in."
  }

  assert {
    condition     = length(module.log_bucket_primary) == 1 && length(module.log_bucket_secondary) == 1
    error_message = "Access logs are on by default: one log bucket per region."
  }

  assert {
    condition     = aws_iam_role.replication[0].name == "dr-test-dr-replication"
    error_message = "One replication role named after the platform."
  }
}

run "replication_time_control_and_delete_markers_when_asked" {
  command = plan

  variables {
    replication_time_control = true
    buckets = {
      backup = { replicate_delete_markers = true, replica_storage_class = "STANDARD_IA", prefix = "prod/" }
    }
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].replication_time[0].time[0].minutes == 15 && aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].metrics[0].event_threshold[0].minutes == 15
    error_message = "RTC needs both replication_time and metrics at 15 minutes."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].delete_marker_replication[0].status == "Enabled" && aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].storage_class == "STANDARD_IA"
    error_message = "replicate_delete_markers and replica_storage_class must reach the rule."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].filter[0].prefix == "prod/" && length(aws_s3_bucket_replication_configuration.this) == 1
    error_message = "Only the configured pairs, with their prefix filter."
  }
}

run "independent_keys_per_region_when_asked" {
  command = plan

  variables {
    kms = { multi_region = false }
  }

  assert {
    condition     = !aws_kms_key.primary[0].multi_region && length(aws_kms_key.replica) == 1 && length(aws_kms_replica_key.replica) == 0
    error_message = "multi_region = false creates two independent keys."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].encryption_configuration[0].replica_kms_key_id == "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-2222-2222-222222222222"
    error_message = "Replicas are re-encrypted with the secondary's own key."
  }
}

run "existing_keys_are_used_instead_of_new_ones" {
  command = plan

  variables {
    kms = {
      primary_key_arn = "arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
      replica_key_arn = "arn:aws:kms:us-west-2:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
    }
    access_logs = { enabled = false }
  }

  assert {
    condition     = length(aws_kms_key.primary) == 0 && length(aws_kms_key.replica) == 0 && length(aws_kms_replica_key.replica) == 0
    error_message = "Given keys replace the module's keys."
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this["backup"].rule[0].destination[0].encryption_configuration[0].replica_kms_key_id == "arn:aws:kms:us-west-2:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
    error_message = "The given replica key must encrypt the replicas."
  }

  assert {
    condition     = length(module.log_bucket_primary) == 0 && output.log_buckets == null
    error_message = "access_logs.enabled = false creates no log buckets."
  }
}

run "disabled_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.this) == 0 && length(aws_kms_key.primary) == 0 && length(aws_iam_role.replication) == 0 && length(module.primary_bucket) == 0
    error_message = "create = false must plan nothing."
  }

  assert {
    condition     = output.primary_buckets == null && output.replica_buckets == null && output.replication_role_arn == null && output.primary_kms_key_arn == null && output.log_buckets == null
    error_message = "Every output is null when nothing is created."
  }
}

run "apply_against_mocks_fills_the_outputs" {
  command = apply

  providers = { aws.primary = aws.primary_apply, aws.secondary = aws.secondary_apply }

  assert {
    condition     = output.primary_buckets["dags"].name == "dr-test-dags-111122223333-us-east-1" && output.replica_buckets["dags"].name == "dr-test-dags-111122223333-us-west-2"
    error_message = "Outputs must name both sides of every pair."
  }

  assert {
    condition     = output.replication["dr-test-backup-111122223333-us-east-1"].destination_bucket == "dr-test-backup-111122223333-us-west-2" && output.replication["dr-test-backup-111122223333-us-east-1"].destination_region == "us-west-2"
    error_message = "The replication output maps each source bucket to its destination."
  }
}
