# modules/_bucket against a mocked provider: the hardening every bucket gets, and the choices a caller has.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::unit-data-bucket" }
  }
}

variables {
  name           = "unit-data-bucket"
  kms_key_arn    = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
  lifecycle_rule = { noncurrent_days = 30 }
}

run "hardened_by_default" {
  command = apply

  assert {
    condition     = output.versioning_status == "Enabled" && alltrue(values(output.public_access_block)) && aws_s3_bucket_ownership_controls.this[0].rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "versioned, public access blocked, ACLs disabled"
  }
  assert {
    condition     = output.sse_algorithm == "aws:kms" && output.sse_kms_key_arn == var.kms_key_arn && output.kms_key_arn == var.kms_key_arn && module.kms.alias_name == null
    error_message = "SSE-KMS with the given key, no key of its own"
  }
  assert {
    condition     = jsondecode(output.policy).Statement[0] == { Sid = "DenyInsecureTransport", Effect = "Deny", Principal = "*", Action = "s3:*", Resource = ["arn:aws:s3:::unit-data-bucket", "arn:aws:s3:::unit-data-bucket/*"], Condition = { Bool = { "aws:SecureTransport" = "false" } } }
    error_message = "the first statement denies non-TLS access to the bucket and its objects"
  }
  assert {
    condition     = jsondecode(output.policy).Statement[1].Condition == { StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }, Null = { "s3:x-amz-server-side-encryption" = "false" } }
    error_message = "uploads asking for another encryption are refused"
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this[0].rule[0].noncurrent_version_expiration[0].noncurrent_days == 30 && aws_s3_bucket_lifecycle_configuration.this[0].rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 7 && length(aws_s3_bucket_lifecycle_configuration.this[0].rule[0].expiration) == 0
    error_message = "old versions expire, incomplete uploads are aborted, current objects stay"
  }
  assert {
    condition     = output.access_logging_target_bucket == null && length(aws_s3_bucket_notification.this) == 0
    error_message = "no access logging and no notifications unless asked for"
  }
}

run "own_key_logging_notifications_and_statements" {
  command = apply

  variables {
    kms_key_arn               = null
    create_kms_key            = true
    access_logging            = { target_bucket = "unit-logs", target_prefix = "s3/unit-data-bucket/" }
    eventbridge_notifications = true
    policy_statements         = [jsonencode({ Sid = "ReadForOneRole", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }, Action = "s3:GetObject", Resource = "arn:aws:s3:::unit-data-bucket/*" })]
  }

  assert {
    condition     = module.kms.rotation_enabled && module.kms.alias_name == "alias/unit-data-bucket" && output.sse_kms_key_arn == module.kms.arn
    error_message = "the bucket's own key rotates and encrypts it"
  }
  assert {
    condition     = output.access_logging_target_bucket == "unit-logs" && aws_s3_bucket_logging.this[0].target_prefix == "s3/unit-data-bucket/" && aws_s3_bucket_notification.this[0].eventbridge
    error_message = "access logging and EventBridge notifications as asked"
  }
  assert {
    condition     = [for s in jsondecode(output.policy).Statement : s.Sid] == ["DenyInsecureTransport", "DenyOtherEncryptionOnUpload", "ReadForOneRole"]
    error_message = "the caller's statements follow the module's"
  }
}

run "log_delivery_target_uses_sse_s3" {
  command = apply

  variables {
    kms_key_arn                   = null
    sse_algorithm                 = "AES256"
    deny_other_encryption_uploads = false
    lifecycle_rule                = { id = "expire-access-logs", expiration_days = 90, noncurrent_days = 1 }
  }

  assert {
    condition     = output.sse_algorithm == "AES256" && output.kms_key_arn == null && length(jsondecode(output.policy).Statement) == 1
    error_message = "SSE-S3 without a key; the encryption statement can be left out"
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this[0].rule[0].id == "expire-access-logs" && aws_s3_bucket_lifecycle_configuration.this[0].rule[0].expiration[0].days == 90
    error_message = "log buckets expire their objects"
  }
}

run "disabled_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_s3_bucket.this) == 0 && output.name == null && output.arn == null && output.kms_key_arn == null && output.policy == null && output.public_access_block == null
    error_message = "create = false must create nothing and leave the outputs null"
  }
}

run "a_key_is_given_or_created_not_both" {
  command = plan

  variables {
    create_kms_key = true
  }

  expect_failures = [var.create_kms_key]
}
