################################################################################
# Key (only when the caller asks for one of the bucket's own)
################################################################################

locals {
  create_key  = var.create && var.sse_algorithm == "aws:kms" && var.create_kms_key
  kms_key_arn = var.sse_algorithm != "aws:kms" ? null : (local.create_key ? module.kms.arn : var.kms_key_arn)
}

module "kms" {
  source = "../_kms"
  create = local.create_key

  alias                   = var.name
  description             = "S3 bucket ${var.name}: default encryption"
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags
}

moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this
}

################################################################################
# Bucket: private, owner-enforced, versioned, encrypted by default, one lifecycle rule
################################################################################

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is the caller's choice (modules/dr-storage replicates what needs a second region).
  #checkov:skip=CKV2_AWS_62:Event notifications are opt-in (eventbridge_notifications); most platform buckets are read on demand.
  #checkov:skip=CKV_AWS_18:Access logging is configured whenever the caller gives a target (access_logging); log target buckets cannot log into themselves.
  #checkov:skip=CKV_AWS_145:SSE-KMS is the default; SSE-S3 only where the caller says so for log delivery targets, which cannot use KMS.
  #checkov:skip=CKV2_AWS_6:aws_s3_bucket_public_access_block.this blocks all public access whenever the bucket exists; checkov's graph does not follow the count-indexed reference.
  #checkov:skip=CKV2_AWS_61:aws_s3_bucket_lifecycle_configuration.this exists whenever the bucket does (lifecycle_rule is required); checkov's graph does not follow the count-indexed reference.
  #checkov:skip=CKV_AWS_21:aws_s3_bucket_versioning.this enables versioning whenever the bucket exists; checkov's graph does not follow the count-indexed reference.
  count = var.create ? 1 : 0

  bucket        = var.name
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = var.create ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  #checkov:skip=CKV2_AWS_67:SSE-S3 is used only for log delivery targets, which cannot write to SSE-KMS buckets; every other bucket uses a customer managed key.
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.sse_algorithm
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = var.sse_algorithm == "aws:kms" ? true : null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    id     = var.lifecycle_rule.id
    status = "Enabled"

    filter {}

    dynamic "expiration" {
      for_each = var.lifecycle_rule.expiration_days == null ? [] : [var.lifecycle_rule.expiration_days]
      content {
        days = expiration.value
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = var.lifecycle_rule.noncurrent_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.lifecycle_rule.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.create && var.access_logging != null ? 1 : 0

  bucket        = aws_s3_bucket.this[0].id
  target_bucket = var.access_logging.target_bucket
  target_prefix = var.access_logging.target_prefix
}

resource "aws_s3_bucket_notification" "this" {
  count = var.create && var.eventbridge_notifications ? 1 : 0

  bucket      = aws_s3_bucket.this[0].id
  eventbridge = true
}

################################################################################
# Policy: TLS only, no upload that asks for another encryption, then the caller's statements
################################################################################

locals {
  bucket_arn = try(aws_s3_bucket.this[0].arn, "")
  policy_statements = concat(
    [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ],
    # A request without the header gets the default encryption; one that names another algorithm is refused.
    var.deny_other_encryption_uploads ? [{
      Sid       = "DenyOtherEncryptionOnUpload"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:PutObject"
      Resource  = "${local.bucket_arn}/*"
      # Null = false: only a request that names an algorithm is tested (a negated operator alone matches absent keys).
      Condition = {
        StringNotEquals = { "s3:x-amz-server-side-encryption" = var.sse_algorithm }
        Null            = { "s3:x-amz-server-side-encryption" = "false" }
      }
    }] : [],
    [for s in var.policy_statements : jsondecode(s)],
  )
}

resource "aws_s3_bucket_policy" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_statements })

  depends_on = [aws_s3_bucket_public_access_block.this]
}
