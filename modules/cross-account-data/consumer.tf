################################################################################
# Account B: KMS key (staging bucket, secrets, Glue, Redshift, logs)
################################################################################

resource "aws_kms_key" "consumer" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  description             = "${var.name}: staging bucket, Airflow secrets, Glue and Redshift Serverless of the cross-account data pipeline"
  enable_key_rotation     = true
  deletion_window_in_days = var.consumer.kms_deletion_window_in_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.consumer_account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "GlueEncryptedLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = local.glue_log_groups_arn }
        }
      },
    ]
  })
  tags = local.tags
}

resource "aws_kms_alias" "consumer" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name          = "alias/${var.name}-consumer"
  target_key_id = aws_kms_key.consumer[0].key_id
}

################################################################################
# Account B: access-log bucket and staging bucket
################################################################################

# S3 server access logging only delivers to SSE-S3 (AES256) target buckets, not SSE-KMS.
module "consumer_logs_bucket" {
  source = "../_bucket"
  providers = {
    aws = aws.consumer
  }

  create        = local.create
  name          = local.consumer_log_bucket
  force_destroy = var.consumer.force_destroy
  sse_algorithm = "AES256"
  lifecycle_rule = {
    id              = "expire-access-logs"
    expiration_days = var.consumer.log_expiration_days
    noncurrent_days = var.consumer.noncurrent_version_expiration_days
  }
  policy_statements = [jsonencode({
    Sid       = "S3ServerAccessLogs"
    Effect    = "Allow"
    Principal = { Service = "logging.s3.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = "arn:${local.partition}:s3:::${local.consumer_log_bucket}/s3/*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = local.consumer_account }
      ArnLike      = { "aws:SourceArn" = local.staging_bucket_arn }
    }
  })]

  tags = local.tags
}

module "staging_bucket" {
  source = "../_bucket"
  providers = {
    aws = aws.consumer
  }

  create        = local.create
  name          = local.staging_bucket
  force_destroy = var.consumer.force_destroy
  kms_key_arn   = try(aws_kms_key.consumer[0].arn, null)
  lifecycle_rule = {
    id              = "expire-noncurrent-versions"
    noncurrent_days = var.consumer.noncurrent_version_expiration_days
  }
  # The logs bucket's name output waits for its policy: S3 checks that the target admits the logging service.
  access_logging = { target_bucket = module.consumer_logs_bucket.name, target_prefix = "s3/${local.staging_bucket}/" }

  tags = local.tags
}

moved {
  from = aws_s3_bucket.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_versioning.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.consumer_logs["logs"]
  to   = module.consumer_logs_bucket.aws_s3_bucket_policy.this[0]
}

moved {
  from = aws_s3_bucket.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_versioning.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_policy.this[0]
}

moved {
  from = aws_s3_bucket_logging.staging["staging"]
  to   = module.staging_bucket.aws_s3_bucket_logging.this[0]
}

