################################################################################
# Account A: KMS keys for the input and output buckets
################################################################################

locals {
  producer_key_admin = {
    Sid       = "AccountAdministers"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.producer_account}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  producer_key_policies = {
    input = {
      Version = "2012-10-17"
      Statement = [
        local.producer_key_admin,
        {
          Sid       = "ConsumerRolesDecryptThroughS3"
          Effect    = "Allow"
          Principal = { AWS = local.input_readers }
          Action    = ["kms:Decrypt", "kms:DescribeKey"]
          Resource  = "*"
          Condition = { StringEquals = { "kms:ViaService" = "s3.${local.producer_region}.amazonaws.com" } }
        },
      ]
    }
    output = {
      Version = "2012-10-17"
      Statement = [
        local.producer_key_admin,
        {
          Sid       = "UnloadRoleEncryptsThroughS3"
          Effect    = "Allow"
          Principal = { AWS = local.unload_role_arn }
          Action    = ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
          Resource  = "*"
          Condition = { StringEquals = { "kms:ViaService" = "s3.${local.producer_region}.amazonaws.com" } }
        },
      ]
    }
  }
}

resource "aws_kms_key" "producer" {
  for_each = { for k, v in local.producer_key_policies : k => v if local.create }
  provider = aws.producer

  description             = "${var.name}: ${each.key} bucket of the cross-account data pipeline"
  enable_key_rotation     = true
  deletion_window_in_days = var.producer.kms_deletion_window_in_days
  policy                  = jsonencode(each.value)
  tags                    = local.tags

  # The key policy names roles in account B (and RoleA); IAM rejects principals that do not exist yet.
  depends_on = [aws_iam_role.glue, aws_iam_role.producer_unload]

  lifecycle {
    precondition {
      condition     = local.producer_region == local.region
      error_message = "The producer and consumer providers must use the same region (Glue, Redshift COPY/UNLOAD and the S3 gateway endpoint are regional)."
    }
    precondition {
      condition     = local.mwaa_role_account == local.consumer_account
      error_message = "consumer.mwaa_execution_role_arn must be a role in the consumer account (the account of provider aws.consumer)."
    }
  }
}

resource "aws_kms_alias" "producer" {
  for_each = aws_kms_key.producer
  provider = aws.producer

  name          = "alias/${var.name}-${each.key}"
  target_key_id = each.value.key_id
}

################################################################################
# Account A: access-log bucket, input and output buckets
################################################################################

locals {
  producer_data_buckets = { for k, v in { input = local.input_bucket, output = local.output_bucket } : k => v if local.create }

  # Added to the TLS-only policy of modules/_bucket.
  producer_bucket_statements = {
    input = {
      Statement = [
        {
          Sid       = "ConsumerRolesListInputPrefix"
          Effect    = "Allow"
          Principal = { AWS = local.input_readers }
          Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
          Resource  = local.input_bucket_arn
          Condition = { StringLike = { "s3:prefix" = ["${var.producer.input_prefix}*"] } }
        },
        {
          Sid       = "ConsumerRolesReadInputPrefix"
          Effect    = "Allow"
          Principal = { AWS = local.input_readers }
          Action    = "s3:GetObject"
          Resource  = "${local.input_bucket_arn}/${var.producer.input_prefix}*"
        },
      ]
    }
    output = {
      Statement = [
        {
          Sid       = "UnloadRoleListOutput"
          Effect    = "Allow"
          Principal = { AWS = local.unload_role_arn }
          Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
          Resource  = local.output_bucket_arn
        },
        {
          Sid       = "UnloadRoleWritesOutputPrefix"
          Effect    = "Allow"
          Principal = { AWS = local.unload_role_arn }
          Action    = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
          Resource  = "${local.output_bucket_arn}/${var.producer.output_prefix}*"
        },
      ]
    }
  }
}

# S3 server access logging only delivers to SSE-S3 (AES256) target buckets, not SSE-KMS.
module "producer_logs_bucket" {
  source = "../_bucket"
  providers = {
    aws = aws.producer
  }

  create        = local.create
  name          = local.producer_log_bucket
  force_destroy = var.producer.force_destroy
  sse_algorithm = "AES256"
  lifecycle_rule = {
    id              = "expire-access-logs"
    expiration_days = var.producer.log_expiration_days
    noncurrent_days = var.producer.noncurrent_version_expiration_days
  }
  policy_statements = [jsonencode({
    Sid       = "S3ServerAccessLogs"
    Effect    = "Allow"
    Principal = { Service = "logging.s3.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = "arn:${local.partition}:s3:::${local.producer_log_bucket}/s3/*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = local.producer_account }
      ArnLike      = { "aws:SourceArn" = [local.input_bucket_arn, local.output_bucket_arn] }
    }
  })]

  tags = local.tags
}

module "producer_bucket" {
  source   = "../_bucket"
  for_each = local.producer_data_buckets
  providers = {
    aws = aws.producer
  }

  name          = each.value
  force_destroy = var.producer.force_destroy
  kms_key_arn   = aws_kms_key.producer[each.key].arn
  lifecycle_rule = {
    id              = "expire-noncurrent-versions"
    noncurrent_days = var.producer.noncurrent_version_expiration_days
  }
  # The logs bucket's name output waits for its policy: S3 checks that the target admits the logging service.
  access_logging    = { target_bucket = module.producer_logs_bucket.name, target_prefix = "s3/${each.value}/" }
  policy_statements = [for st in local.producer_bucket_statements[each.key].Statement : jsonencode(st)]
  # Redshift UNLOAD without KMS_KEY_ID asks for SSE-S3 itself; the input bucket takes any writer's default.
  deny_other_encryption_uploads = each.key != "output"

  tags = local.tags

  # The policies name roles in account B and RoleA; IAM rejects principals that do not exist yet.
  depends_on = [aws_iam_role.glue, aws_iam_role.producer_unload]
}

moved {
  from = aws_s3_bucket.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_versioning.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.producer_logs["logs"]
  to   = module.producer_logs_bucket.aws_s3_bucket_policy.this[0]
}

moved {
  from = aws_s3_bucket.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_versioning.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_policy.this[0]
}

moved {
  from = aws_s3_bucket_logging.producer["input"]
  to   = module.producer_bucket["input"].aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_versioning.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_policy.this[0]
}

moved {
  from = aws_s3_bucket_logging.producer["output"]
  to   = module.producer_bucket["output"].aws_s3_bucket_logging.this[0]
}

################################################################################
# Account A: RoleA, assumed by RoleB (Redshift) to UNLOAD into the output bucket
################################################################################

resource "aws_iam_role" "producer_unload" {
  count    = local.create ? 1 : 0
  provider = aws.producer

  name        = local.unload_role_name
  description = "Assumed by ${local.redshift_role_arn} (Redshift, account ${local.consumer_account}) to UNLOAD into ${local.output_bucket}/${var.producer.output_prefix}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "RedshiftRoleInConsumerAccount"
      Effect    = "Allow"
      Principal = { AWS = local.redshift_role_arn }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags

  depends_on = [aws_iam_role.redshift]
}

resource "aws_iam_role_policy" "producer_unload" {
  count    = local.create ? 1 : 0
  provider = aws.producer

  name = "unload-to-output-bucket"
  role = aws_iam_role.producer_unload[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListOutputBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = local.output_bucket_arn
      },
      {
        Sid      = "WriteOutputPrefix"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
        Resource = "${local.output_bucket_arn}/${var.producer.output_prefix}*"
      },
      {
        Sid      = "EncryptWithOutputKey"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
        Resource = aws_kms_key.producer["output"].arn
      },
    ]
  })
}
