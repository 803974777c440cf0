# One versioned, SSE-KMS encrypted, TLS-only, private, access-logged bucket with version retention: a thin
# wrapper over modules/_bucket, kept because its callers iterate over the caller's bucket keys (moved blocks
# here follow every instance).

module "bucket" {
  source = "../../../_bucket"

  name          = var.name
  force_destroy = var.force_destroy
  kms_key_arn   = var.kms_key_arn
  lifecycle_rule = {
    id              = "retention"
    noncurrent_days = var.noncurrent_days
    expiration_days = var.expire_after_days
  }
  access_logging = var.access_logging ? { target_bucket = var.log_bucket, target_prefix = "s3-access/${var.name}/" } : null

  tags = var.tags
}

moved {
  from = aws_s3_bucket.this
  to   = module.bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_versioning.this
  to   = module.bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.this
  to   = module.bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.this
  to   = module.bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.this
  to   = module.bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.this
  to   = module.bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.this[0]
  to   = module.bucket.aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket_policy.this
  to   = module.bucket.aws_s3_bucket_policy.this[0]
}
