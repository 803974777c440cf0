################################################################################
# Accounts, names, ARNs
################################################################################

data "aws_caller_identity" "producer" {
  count    = var.create ? 1 : 0
  provider = aws.producer
}

data "aws_region" "producer" {
  count    = var.create ? 1 : 0
  provider = aws.producer
}

data "aws_caller_identity" "consumer" {
  count    = var.create ? 1 : 0
  provider = aws.consumer
}

data "aws_region" "consumer" {
  count    = var.create ? 1 : 0
  provider = aws.consumer
}

data "aws_partition" "consumer" {
  count    = var.create ? 1 : 0
  provider = aws.consumer
}

locals {
  create   = var.create
  redshift = var.create && var.enable_redshift_serverless

  # "" when not created: names are then computed but never used, and every output is null.
  partition        = try(data.aws_partition.consumer[0].partition, "aws")
  region           = try(data.aws_region.consumer[0].name, "")
  producer_region  = try(data.aws_region.producer[0].name, "")
  producer_account = try(data.aws_caller_identity.producer[0].account_id, "")
  consumer_account = try(data.aws_caller_identity.consumer[0].account_id, "")

  tags = merge(var.tags, { "mwaa-platform:module" = "cross-account-data" })

  # Account A (producer)
  input_bucket        = coalesce(var.producer.input_bucket_name, "${var.name}-input-${local.producer_account}")
  output_bucket       = coalesce(var.producer.output_bucket_name, "${var.name}-output-${local.producer_account}")
  producer_log_bucket = coalesce(var.producer.log_bucket_name, "${var.name}-producer-logs-${local.producer_account}")
  input_bucket_arn    = "arn:${local.partition}:s3:::${local.input_bucket}"
  output_bucket_arn   = "arn:${local.partition}:s3:::${local.output_bucket}"
  unload_role_name    = "${var.name}-producer-unload"
  unload_role_arn     = "arn:${local.partition}:iam::${local.producer_account}:role/${local.unload_role_name}"

  # Account B (consumer)
  staging_bucket      = coalesce(var.consumer.staging_bucket_name, "${var.name}-staging-${local.consumer_account}")
  consumer_log_bucket = coalesce(var.consumer.log_bucket_name, "${var.name}-consumer-logs-${local.consumer_account}")
  staging_bucket_arn  = "arn:${local.partition}:s3:::${local.staging_bucket}"
  glue_role_name      = "${var.name}-glue"
  glue_role_arn       = "arn:${local.partition}:iam::${local.consumer_account}:role/${local.glue_role_name}"
  redshift_role_name  = "${var.name}-redshift"
  redshift_role_arn   = "arn:${local.partition}:iam::${local.consumer_account}:role/${local.redshift_role_name}"
  mwaa_role_arn       = var.consumer.mwaa_execution_role_arn
  mwaa_role_name      = reverse(split("/", var.consumer.mwaa_execution_role_arn))[0]
  mwaa_role_account   = split(":", var.consumer.mwaa_execution_role_arn)[4]

  # The roles in account B that account A grants read access to its input prefix: exactly these two.
  input_readers = [local.glue_role_arn, local.mwaa_role_arn]

  # Staging bucket layout
  script_prefix    = "scripts/"
  curated_prefix   = "curated/"
  glue_temp_prefix = "glue-temp/"

  # Glue
  glue_database               = coalesce(var.glue.database_name, replace(var.name, "-", "_"))
  glue_crawler                = "${var.name}-input"
  glue_job                    = "${var.name}-transform"
  glue_security_configuration = "${var.name}-glue"
  glue_script_path            = coalesce(var.glue.script_path, "${path.module}/glue/transform.py")
  glue_script_key             = "${local.script_prefix}${basename(local.glue_script_path)}"
  # The crawler names the table after the last folder of the include path (lower case, '-' -> '_').
  input_table      = lower(replace("${var.glue.table_prefix}${reverse(split("/", trimsuffix(var.producer.input_prefix, "/")))[0]}", "-", "_"))
  glue_catalog     = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:catalog"
  glue_db_arn      = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:database/${local.glue_database}"
  glue_tables_arn  = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:table/${local.glue_database}/*"
  glue_job_arn     = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:job/${local.glue_job}"
  glue_crawler_arn = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:crawler/${local.glue_crawler}"
  # Glue writes job and crawler logs to /aws-glue/jobs/... and /aws-glue/crawlers... (names vary with the security configuration).
  glue_log_groups_arn = "arn:${local.partition}:logs:${local.region}:${local.consumer_account}:log-group:/aws-glue/*"
  glue_job_logs_arn   = "arn:${local.partition}:logs:${local.region}:${local.consumer_account}:log-group:/aws-glue/jobs*"

  # Redshift Serverless
  namespace_name = coalesce(var.redshift.namespace_name, var.name)
  workgroup_name = coalesce(var.redshift.workgroup_name, var.name)
  workgroup_arn  = one(aws_redshiftserverless_workgroup.this[*].arn)

  # Secrets Manager backend of the MWAA environment
  secret_arn_prefix        = "arn:${local.partition}:secretsmanager:${local.region}:${local.consumer_account}:secret:"
  airflow_secret_arns      = ["${local.secret_arn_prefix}${var.airflow.connections_prefix}/*", "${local.secret_arn_prefix}${var.airflow.variables_prefix}/*"]
  pipeline_variable_secret = "${var.airflow.variables_prefix}/${var.airflow.pipeline_variable}"
  redshift_conn_secret     = "${var.airflow.connections_prefix}/${var.airflow.redshift_conn_id}"
  unload_conn_secret       = "${var.airflow.connections_prefix}/${var.airflow.unload_conn_id}"

  tls_only = {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = "*"
    Action    = "s3:*"
  }
}

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

  producer_bucket_policies = {
    input = {
      Version = "2012-10-17"
      Statement = [
        merge(local.tls_only, {
          Resource  = [local.input_bucket_arn, "${local.input_bucket_arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        }),
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
      Version = "2012-10-17"
      Statement = [
        merge(local.tls_only, {
          Resource  = [local.output_bucket_arn, "${local.output_bucket_arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        }),
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

resource "aws_s3_bucket" "producer_logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target bucket; logging it into itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs stay in the region they describe; DR of data is the dr-storage module's job.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to SSE-S3 (AES256) target buckets, not SSE-KMS.
  #checkov:skip=CKV2_AWS_62:No consumer for object-created events on access logs.
  for_each = { for k, v in { logs = local.producer_log_bucket } : k => v if local.create }
  provider = aws.producer

  bucket        = each.value
  force_destroy = var.producer.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "producer_logs" {
  for_each = aws_s3_bucket.producer_logs
  provider = aws.producer

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "producer_logs" {
  for_each = aws_s3_bucket.producer_logs
  provider = aws.producer

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "producer_logs" {
  for_each = aws_s3_bucket.producer_logs
  provider = aws.producer

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "producer_logs" {
  for_each = aws_s3_bucket.producer_logs
  provider = aws.producer

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "producer_logs" {
  for_each = aws_s3_bucket.producer_logs
  provider = aws.producer

  bucket = each.value.id
  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.producer.log_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.producer.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.producer_logs]
}

resource "aws_s3_bucket_policy" "producer_logs" {
  for_each = aws_s3_bucket.producer_logs
  provider = aws.producer

  bucket = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      merge(local.tls_only, {
        Resource  = [each.value.arn, "${each.value.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }),
      {
        Sid       = "S3ServerAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${each.value.arn}/s3/*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.producer_account }
          ArnLike      = { "aws:SourceArn" = [local.input_bucket_arn, local.output_bucket_arn] }
        }
      },
    ]
  })
  depends_on = [aws_s3_bucket_public_access_block.producer_logs]
}

resource "aws_s3_bucket" "producer" {
  #checkov:skip=CKV_AWS_144:Cross-region replication of pipeline data is out of scope here (dr-storage replicates platform buckets); input is re-deliverable, output re-computable.
  #checkov:skip=CKV2_AWS_62:The pipeline is driven by the DAG's S3KeySensor, not by S3 event notifications.
  for_each = local.producer_data_buckets
  provider = aws.producer

  bucket        = each.value
  force_destroy = var.producer.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.producer[each.key].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.producer_logs["logs"].id
  target_prefix = "s3/${each.value.id}/"

  # S3 checks that the target's policy admits the logging service.
  depends_on = [aws_s3_bucket_policy.producer_logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket = each.value.id
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.producer.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.producer]
}

resource "aws_s3_bucket_policy" "producer" {
  for_each = aws_s3_bucket.producer
  provider = aws.producer

  bucket = each.value.id
  policy = jsonencode(local.producer_bucket_policies[each.key])

  # The policies name roles in account B and RoleA; IAM rejects principals that do not exist yet.
  depends_on = [aws_s3_bucket_public_access_block.producer, aws_iam_role.glue, aws_iam_role.producer_unload]
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

resource "aws_s3_bucket" "consumer_logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target bucket; logging it into itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs stay in the region they describe; DR of data is the dr-storage module's job.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to SSE-S3 (AES256) target buckets, not SSE-KMS.
  #checkov:skip=CKV2_AWS_62:No consumer for object-created events on access logs.
  for_each = { for k, v in { logs = local.consumer_log_bucket } : k => v if local.create }
  provider = aws.consumer

  bucket        = each.value
  force_destroy = var.consumer.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "consumer_logs" {
  for_each = aws_s3_bucket.consumer_logs
  provider = aws.consumer

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "consumer_logs" {
  for_each = aws_s3_bucket.consumer_logs
  provider = aws.consumer

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "consumer_logs" {
  for_each = aws_s3_bucket.consumer_logs
  provider = aws.consumer

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "consumer_logs" {
  for_each = aws_s3_bucket.consumer_logs
  provider = aws.consumer

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "consumer_logs" {
  for_each = aws_s3_bucket.consumer_logs
  provider = aws.consumer

  bucket = each.value.id
  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.consumer.log_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.consumer.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.consumer_logs]
}

resource "aws_s3_bucket_policy" "consumer_logs" {
  for_each = aws_s3_bucket.consumer_logs
  provider = aws.consumer

  bucket = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      merge(local.tls_only, {
        Resource  = [each.value.arn, "${each.value.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }),
      {
        Sid       = "S3ServerAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${each.value.arn}/s3/*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.consumer_account }
          ArnLike      = { "aws:SourceArn" = local.staging_bucket_arn }
        }
      },
    ]
  })
  depends_on = [aws_s3_bucket_public_access_block.consumer_logs]
}

resource "aws_s3_bucket" "staging" {
  #checkov:skip=CKV_AWS_144:Staging holds re-computable intermediates (Glue output, temp files) and the Glue script, which Terraform re-uploads.
  #checkov:skip=CKV2_AWS_62:The pipeline is driven by the DAG, not by S3 event notifications.
  for_each = { for k, v in { staging = local.staging_bucket } : k => v if local.create }
  provider = aws.consumer

  bucket        = each.value
  force_destroy = var.consumer.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.consumer[0].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.consumer_logs["logs"].id
  target_prefix = "s3/${each.value.id}/"

  # S3 checks that the target's policy admits the logging service.
  depends_on = [aws_s3_bucket_policy.consumer_logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket = each.value.id
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.consumer.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  rule {
    id     = "expire-glue-temp"
    status = "Enabled"
    filter {
      prefix = local.glue_temp_prefix
    }
    expiration {
      days = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.staging]
}

resource "aws_s3_bucket_policy" "staging" {
  for_each = aws_s3_bucket.staging
  provider = aws.consumer

  bucket = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [each.value.arn, "${each.value.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
  depends_on = [aws_s3_bucket_public_access_block.staging]
}

################################################################################
# Account B: Glue role, Redshift role (RoleB), MWAA execution role grants
################################################################################

resource "aws_iam_role" "glue" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name        = local.glue_role_name
  description = "Glue crawler and job of ${var.name}: read ${local.input_bucket}/${var.producer.input_prefix} (account ${local.producer_account}), write curated data to ${local.staging_bucket}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.consumer_account } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "glue" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name = "cross-account-etl"
  role = aws_iam_role.glue[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ListInputPrefix"
        Effect    = "Allow"
        Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource  = local.input_bucket_arn
        Condition = { StringLike = { "s3:prefix" = ["${var.producer.input_prefix}*"] } }
      },
      {
        Sid      = "ReadInputPrefix"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.input_bucket_arn}/${var.producer.input_prefix}*"
      },
      {
        Sid       = "DecryptInput"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = aws_kms_key.producer["input"].arn
        Condition = { StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" } }
      },
      {
        Sid      = "ListStaging"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = local.staging_bucket_arn
      },
      {
        Sid      = "ReadScript"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.staging_bucket_arn}/${local.script_prefix}*"
      },
      {
        Sid      = "WriteCuratedAndTemp"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["${local.staging_bucket_arn}/${local.curated_prefix}*", "${local.staging_bucket_arn}/${local.glue_temp_prefix}*"]
      },
      {
        Sid      = "UseConsumerKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = aws_kms_key.consumer[0].arn
      },
      {
        Sid    = "CatalogOfThisPipeline"
        Effect = "Allow"
        Action = [
          "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
          "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition",
          "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition",
        ]
        Resource = [local.glue_catalog, local.glue_db_arn, local.glue_tables_arn]
      },
      {
        Sid      = "GlueLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
        Resource = [local.glue_log_groups_arn, "${local.glue_log_groups_arn}:*"]
      },
    ]
  })
}

resource "aws_iam_role" "redshift" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name        = local.redshift_role_name
  description = "RoleB: Redshift Serverless of ${var.name}; COPY from ${local.staging_bucket}, chains into ${local.unload_role_arn} to UNLOAD"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "redshift.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.consumer_account } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "redshift" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name = "copy-and-chain-to-producer"
  role = aws_iam_role.redshift[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ChainIntoProducerUnloadRole"
        Effect   = "Allow"
        Action   = "sts:AssumeRole"
        Resource = local.unload_role_arn
      },
      {
        Sid      = "ListStaging"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = local.staging_bucket_arn
      },
      {
        Sid      = "CopyFromCurated"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.staging_bucket_arn}/${local.curated_prefix}*"
      },
      {
        Sid      = "DecryptCurated"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:DescribeKey"]
        Resource = aws_kms_key.consumer[0].arn
      },
    ]
  })
}

locals {
  mwaa_statements = concat(
    [
      {
        Sid      = "ReadOwnAirflowSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = local.airflow_secret_arns
      },
      {
        Sid       = "DecryptAirflowSecrets"
        Effect    = "Allow"
        Action    = "kms:Decrypt"
        Resource  = one(aws_kms_key.consumer[*].arn)
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
      },
      {
        Sid       = "SenseInputPrefix"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = local.input_bucket_arn
        Condition = { StringLike = { "s3:prefix" = ["${var.producer.input_prefix}*"] } }
      },
      {
        Sid      = "HeadInputObjects"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.input_bucket_arn}/${var.producer.input_prefix}*"
      },
      {
        Sid      = "RunCrawler"
        Effect   = "Allow"
        Action   = ["glue:GetCrawler", "glue:StartCrawler"]
        Resource = local.glue_crawler_arn
      },
      {
        Sid      = "RunJob"
        Effect   = "Allow"
        Action   = ["glue:GetJob", "glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
        Resource = local.glue_job_arn
      },
      {
        Sid      = "ReadGlueJobLogs"
        Effect   = "Allow"
        Action   = ["logs:FilterLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams"]
        Resource = [local.glue_job_logs_arn, "${local.glue_job_logs_arn}:*"]
      },
    ],
    [for s in [
      {
        Sid      = "RedshiftDataOnWorkgroup"
        Effect   = "Allow"
        Action   = ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement", "redshift-serverless:GetCredentials"]
        Resource = local.workgroup_arn
      },
      {
        # DescribeStatement and GetStatementResult take no resource ARN; the condition limits them to own statements.
        Sid       = "RedshiftDataOwnStatements"
        Effect    = "Allow"
        Action    = ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"]
        Resource  = "*"
        Condition = { StringEquals = { "redshift-data:statement-owner-iam-userid" = "$${aws:userid}" } }
      },
    ] : s if local.redshift],
  )
}

resource "aws_iam_role_policy" "mwaa" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name   = "${var.name}-data-pipeline"
  role   = local.mwaa_role_name
  policy = jsonencode({ Version = "2012-10-17", Statement = local.mwaa_statements })

  lifecycle {
    precondition {
      condition     = local.mwaa_role_account == local.consumer_account
      error_message = "consumer.mwaa_execution_role_arn must be a role in the consumer account (the account of provider aws.consumer)."
    }
  }
}

################################################################################
# Account B: Glue catalog database, crawler over the input prefix, transform job
################################################################################

resource "aws_glue_catalog_database" "this" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name        = local.glue_database
  description = "Tables crawled from s3://${local.input_bucket}/${var.producer.input_prefix} (account ${local.producer_account})"
  tags        = local.tags
}

resource "aws_glue_security_configuration" "this" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name = local.glue_security_configuration
  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.consumer[0].arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.consumer[0].arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.consumer[0].arn
    }
  }
}

resource "aws_glue_crawler" "input" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                   = local.glue_crawler
  description            = "Crawls s3://${local.input_bucket}/${var.producer.input_prefix} (hive-style partitions) into ${local.glue_database}"
  database_name          = aws_glue_catalog_database.this[0].name
  role                   = aws_iam_role.glue[0].arn
  table_prefix           = var.glue.table_prefix
  schedule               = var.glue.crawler_schedule
  security_configuration = aws_glue_security_configuration.this[0].name

  s3_target {
    path = "s3://${local.input_bucket}/${var.producer.input_prefix}"
  }

  schema_change_policy {
    delete_behavior = "LOG"
    update_behavior = "UPDATE_IN_DATABASE"
  }

  configuration = jsonencode({
    Version       = 1
    CrawlerOutput = { Partitions = { AddOrUpdateBehavior = "InheritFromTable" } }
    Grouping      = { TableGroupingPolicy = "CombineCompatibleSchemas" }
  })
  tags = local.tags

  depends_on = [aws_iam_role_policy.glue, aws_s3_bucket_policy.producer]
}

resource "aws_s3_object" "glue_script" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  bucket                 = aws_s3_bucket.staging["staging"].id
  key                    = local.glue_script_key
  source                 = local.glue_script_path
  source_hash            = filemd5(local.glue_script_path)
  content_type           = "text/x-python"
  server_side_encryption = "aws:kms"
  kms_key_id             = aws_kms_key.consumer[0].arn
  tags                   = local.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.staging, aws_s3_bucket_policy.staging]
}

resource "aws_glue_job" "transform" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                   = local.glue_job
  description            = "Reads ${local.glue_database}.${local.input_table} for one dt partition, writes Parquet to s3://${local.staging_bucket}/${local.curated_prefix}dt=<run_date>/"
  role_arn               = aws_iam_role.glue[0].arn
  glue_version           = var.glue.glue_version
  worker_type            = var.glue.worker_type
  number_of_workers      = var.glue.number_of_workers
  execution_class        = "STANDARD"
  timeout                = var.glue.timeout_minutes
  max_retries            = var.glue.max_retries
  security_configuration = aws_glue_security_configuration.this[0].name

  command {
    name            = "glueetl"
    script_location = "s3://${local.staging_bucket}/${aws_s3_object.glue_script[0].key}"
    python_version  = "3"
  }

  default_arguments = {
    "--job-language"        = "python"
    "--job-bookmark-option" = "job-bookmark-disable"
    "--TempDir"             = "s3://${local.staging_bucket}/${local.glue_temp_prefix}"
    "--source_database"     = local.glue_database
    "--source_table"        = local.input_table
    "--target_path"         = "s3://${local.staging_bucket}/${local.curated_prefix}"
    "--run_date"            = "1970-01-01"
  }

  execution_property {
    max_concurrent_runs = 1
  }
  tags = local.tags

  depends_on = [aws_iam_role_policy.glue]
}

################################################################################
# Account B: VPC peering MWAA <-> Redshift, routes both ways
################################################################################

resource "aws_vpc_peering_connection" "mwaa_redshift" {
  count    = local.create && var.network.create_peering ? 1 : 0
  provider = aws.consumer

  vpc_id      = var.network.mwaa_vpc.id
  peer_vpc_id = var.network.redshift_vpc.id
  auto_accept = true
  tags        = merge(local.tags, { Name = "${var.name}-mwaa-redshift" })
}

resource "aws_route" "mwaa_to_redshift" {
  count    = local.create && var.network.create_peering ? length(var.network.mwaa_vpc.route_table_ids) : 0
  provider = aws.consumer

  route_table_id            = var.network.mwaa_vpc.route_table_ids[count.index]
  destination_cidr_block    = var.network.redshift_vpc.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.mwaa_redshift[0].id
}

resource "aws_route" "redshift_to_mwaa" {
  count    = local.create && var.network.create_peering ? length(var.network.redshift_vpc.route_table_ids) : 0
  provider = aws.consumer

  route_table_id            = var.network.redshift_vpc.route_table_ids[count.index]
  destination_cidr_block    = var.network.mwaa_vpc.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.mwaa_redshift[0].id
}

resource "aws_vpc_security_group_egress_rule" "mwaa_to_redshift" {
  count    = local.create && var.consumer.add_mwaa_egress_rule ? 1 : 0
  provider = aws.consumer

  security_group_id = var.consumer.mwaa_security_group_id
  description       = "${var.name}: Airflow SQL to Redshift Serverless over the peering"
  ip_protocol       = "tcp"
  from_port         = var.redshift.port
  to_port           = var.redshift.port
  cidr_ipv4         = var.network.redshift_vpc.cidr_block
  tags              = local.tags
}

################################################################################
# Account B: VPC endpoints (S3 gateway in the Redshift VPC, Secrets Manager in the MWAA VPC)
################################################################################

resource "aws_vpc_endpoint" "s3" {
  count    = local.create && var.network.create_s3_gateway_endpoint ? 1 : 0
  provider = aws.consumer

  vpc_id            = var.network.redshift_vpc.id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.network.redshift_vpc.route_table_ids
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Redshift COPY (RoleB, account B) from staging and UNLOAD (RoleA, account A) to output, nothing else.
        Sid       = "PipelineBucketsOnly"
        Effect    = "Allow"
        Principal = "*"
        Action    = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucket", "s3:GetBucketLocation"]
        Resource = [
          local.staging_bucket_arn, "${local.staging_bucket_arn}/*",
          local.output_bucket_arn, "${local.output_bucket_arn}/*",
        ]
        Condition = { StringEquals = { "aws:PrincipalAccount" = distinct([local.consumer_account, local.producer_account]) } }
      },
    ]
  })
  tags = merge(local.tags, { Name = "${var.name}-s3" })
}

resource "aws_security_group" "secretsmanager_endpoint" {
  for_each = { for k in ["secretsmanager"] : k => k if local.create && var.network.create_secretsmanager_endpoint }
  provider = aws.consumer

  name_prefix = "${var.name}-secretsmanager-"
  description = "${var.name}: HTTPS to the Secrets Manager endpoint from the MWAA VPC"
  vpc_id      = var.network.mwaa_vpc.id
  tags        = merge(local.tags, { Name = "${var.name}-secretsmanager-endpoint" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "secretsmanager_endpoint" {
  for_each = aws_security_group.secretsmanager_endpoint
  provider = aws.consumer

  security_group_id = each.value.id
  description       = "HTTPS from the MWAA VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.network.mwaa_vpc.cidr_block
  tags              = local.tags
}

resource "aws_vpc_endpoint" "secretsmanager" {
  for_each = aws_security_group.secretsmanager_endpoint
  provider = aws.consumer

  vpc_id              = var.network.mwaa_vpc.id
  service_name        = "com.amazonaws.${local.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.network.mwaa_vpc.subnet_ids
  security_group_ids  = [each.value.id]
  private_dns_enabled = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AirflowSecretsOfThisAccount"
        Effect    = "Allow"
        Principal = "*"
        Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource  = local.airflow_secret_arns
        Condition = { StringEquals = { "aws:PrincipalAccount" = local.consumer_account } }
      },
    ]
  })
  tags = merge(local.tags, { Name = "${var.name}-secretsmanager" })
}

################################################################################
# Account B: Redshift Serverless (off when enable_redshift_serverless = false, e.g. ENV=local)
################################################################################

resource "aws_security_group" "redshift" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  name_prefix = "${var.name}-redshift-"
  description = "${var.name}: Redshift Serverless workgroup, SQL from the MWAA VPC over the peering"
  vpc_id      = var.network.redshift_vpc.id
  tags        = merge(local.tags, { Name = "${var.name}-redshift" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redshift_from_mwaa" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  security_group_id = aws_security_group.redshift[0].id
  description       = "SQL from the MWAA VPC (peering)"
  ip_protocol       = "tcp"
  from_port         = var.redshift.port
  to_port           = var.redshift.port
  cidr_ipv4         = var.network.mwaa_vpc.cidr_block
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "redshift_to_s3" {
  count    = local.redshift && var.network.create_s3_gateway_endpoint ? 1 : 0
  provider = aws.consumer

  security_group_id = aws_security_group.redshift[0].id
  description       = "COPY/UNLOAD through the S3 gateway endpoint (enhanced VPC routing)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
  tags              = local.tags
}

resource "aws_redshiftserverless_namespace" "this" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  namespace_name                   = local.namespace_name
  db_name                          = var.redshift.database_name
  admin_username                   = var.redshift.admin_username
  manage_admin_password            = true
  admin_password_secret_kms_key_id = aws_kms_key.consumer[0].arn
  kms_key_id                       = aws_kms_key.consumer[0].arn
  iam_roles                        = [aws_iam_role.redshift[0].arn]
  default_iam_role_arn             = aws_iam_role.redshift[0].arn
  log_exports                      = var.redshift.log_exports
  tags                             = local.tags
}

resource "aws_redshiftserverless_workgroup" "this" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  namespace_name       = aws_redshiftserverless_namespace.this[0].namespace_name
  workgroup_name       = local.workgroup_name
  base_capacity        = var.redshift.base_capacity
  max_capacity         = var.redshift.max_capacity
  port                 = var.redshift.port
  enhanced_vpc_routing = true
  publicly_accessible  = false
  subnet_ids           = var.network.redshift_vpc.subnet_ids
  security_group_ids   = [aws_security_group.redshift[0].id]

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }
  config_parameter {
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }
  tags = local.tags
}

# Schema, tables and the load procedure, run once as the namespace admin through the Data API.
locals {
  sql_setup = {
    for k, file in {
      schema    = "01_schema.sql"
      staging   = "02_staging_table.sql"
      daily     = "03_daily_table.sql"
      procedure = "04_load_procedure.sql"
      usage     = "05_grant_usage.sql"
      execute   = "06_grant_execute.sql"
    } : k => templatefile("${path.module}/sql/${file}", { schema = var.redshift.schema_name }) if local.redshift
  }
}

resource "aws_redshiftdata_statement" "schema" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["schema"]
}

resource "aws_redshiftdata_statement" "staging_table" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["staging"]
  depends_on     = [aws_redshiftdata_statement.schema]
}

resource "aws_redshiftdata_statement" "daily_table" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["daily"]
  depends_on     = [aws_redshiftdata_statement.schema]
}

resource "aws_redshiftdata_statement" "load_procedure" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["procedure"]
  depends_on     = [aws_redshiftdata_statement.staging_table, aws_redshiftdata_statement.daily_table]
}

resource "aws_redshiftdata_statement" "grant_usage" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["usage"]
  depends_on     = [aws_redshiftdata_statement.schema]
}

# The MWAA role connects as its own IAM identity (Data API, GetCredentials); it may only run the procedure.
resource "aws_redshiftdata_statement" "grant_execute" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["execute"]
  depends_on     = [aws_redshiftdata_statement.load_procedure]
}

################################################################################
# Account B: Airflow configuration in Secrets Manager (the MWAA secrets backend reads it)
################################################################################

locals {
  pipeline_config = {
    region             = local.region
    input_bucket       = local.input_bucket
    input_prefix       = var.producer.input_prefix
    ready_marker       = "_SUCCESS"
    glue_database      = local.glue_database
    glue_table         = local.input_table
    glue_crawler       = local.glue_crawler
    glue_job           = local.glue_job
    staging_bucket     = local.staging_bucket
    curated_prefix     = local.curated_prefix
    redshift_workgroup = local.redshift ? local.workgroup_name : null
    redshift_database  = var.redshift.database_name
    redshift_schema    = var.redshift.schema_name
    redshift_conn_id   = var.airflow.redshift_conn_id
    unload_conn_id     = var.airflow.unload_conn_id
    output_bucket      = local.output_bucket
    output_prefix      = var.producer.output_prefix
    output_kms_key_arn = try(aws_kms_key.producer["output"].arn, null)
  }
}

resource "aws_secretsmanager_secret" "pipeline_variable" {
  #checkov:skip=CKV2_AWS_57:Not a credential: the pipeline's configuration (bucket, crawler, job names) as an Airflow variable.
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                    = local.pipeline_variable_secret
  description             = "Airflow variable ${var.airflow.pipeline_variable} (JSON) for dags/data_pipeline.py; written by Terraform"
  kms_key_id              = aws_kms_key.consumer[0].arn
  recovery_window_in_days = var.consumer.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "pipeline_variable" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  secret_id     = aws_secretsmanager_secret.pipeline_variable[0].id
  secret_string = jsonencode(local.pipeline_config)
}

resource "aws_secretsmanager_secret" "unload_connection" {
  #checkov:skip=CKV2_AWS_57:Not a credential: an Airflow aws connection that only names the role chain RoleB,RoleA for UNLOAD.
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                    = local.unload_conn_secret
  description             = "Airflow connection ${var.airflow.unload_conn_id}: the role chain Redshift uses to UNLOAD into account ${local.producer_account}"
  kms_key_id              = aws_kms_key.consumer[0].arn
  recovery_window_in_days = var.consumer.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "unload_connection" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  secret_id = aws_secretsmanager_secret.unload_connection[0].id
  secret_string = jsonencode({
    conn_type = "aws"
    extra     = { role_arn = "${aws_iam_role.redshift[0].arn},${aws_iam_role.producer_unload[0].arn}" }
  })
}

resource "aws_secretsmanager_secret" "redshift_connection" {
  #checkov:skip=CKV2_AWS_57:scripts/write_redshift_secret.py rewrites this copy from the Redshift-managed admin secret, which Redshift rotates.
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  name                    = local.redshift_conn_secret
  description             = "Airflow connection ${var.airflow.redshift_conn_id} (URI); the value is written by scripts/write_redshift_secret.py, never by Terraform"
  kms_key_id              = aws_kms_key.consumer[0].arn
  recovery_window_in_days = var.consumer.secret_recovery_window_in_days
  tags                    = local.tags
}
