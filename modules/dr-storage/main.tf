# Replicated bucket pairs for DR: each bucket in the primary region is replicated to a replica bucket in the
# secondary region, re-encrypted with the secondary's key. Called once, with two providers (aws.primary,
# aws.secondary), so both ends and the replication between them are one plan.

data "aws_caller_identity" "this" {
  count    = var.create ? 1 : 0
  provider = aws.primary
}

data "aws_partition" "this" {
  count    = var.create ? 1 : 0
  provider = aws.primary
}

data "aws_region" "primary" {
  count    = var.create ? 1 : 0
  provider = aws.primary
}

data "aws_region" "secondary" {
  count    = var.create ? 1 : 0
  provider = aws.secondary
}

locals {
  account          = try(data.aws_caller_identity.this[0].account_id, "")
  partition        = try(data.aws_partition.this[0].partition, "aws")
  primary_region   = try(data.aws_region.primary[0].name, "")
  secondary_region = try(data.aws_region.secondary[0].name, "")
  pairs            = var.create ? var.buckets : {}

  primary_names = { for k, _ in local.pairs : k => "${var.name}-${k}-${local.account}-${local.primary_region}" }
  replica_names = { for k, _ in local.pairs : k => "${var.name}-${k}-${local.account}-${local.secondary_region}" }

  create_primary_key = var.create && var.kms.primary_key_arn == null
  create_replica_key = var.create && var.kms.replica_key_arn == null
  multi_region       = local.create_primary_key && local.create_replica_key && var.kms.multi_region
  primary_key_arn    = local.create_primary_key ? try(aws_kms_key.primary[0].arn, null) : var.kms.primary_key_arn
  replica_key_arn = (!local.create_replica_key ? var.kms.replica_key_arn :
  local.multi_region ? try(aws_kms_replica_key.replica[0].arn, null) : try(aws_kms_key.replica[0].arn, null))

  logs = var.create && var.access_logs.enabled
}

check "regions_differ" {
  assert {
    condition     = !var.create || local.primary_region != local.secondary_region
    error_message = "aws.primary and aws.secondary point at the same region (${local.primary_region}): replication for DR needs two regions."
  }
}

################################################################################
# KMS: one key per region; replication decrypts with the primary's and re-encrypts with the replica's
################################################################################

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  count    = var.create ? 1 : 0
  provider = aws.primary

  statement {
    sid       = "AccountAdministersTheKeyViaIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
}

resource "aws_kms_key" "primary" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  count    = local.create_primary_key ? 1 : 0
  provider = aws.primary

  description             = "${var.name} DR storage (primary buckets)"
  multi_region            = local.multi_region
  enable_key_rotation     = true
  deletion_window_in_days = var.kms.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "primary" {
  count    = local.create_primary_key ? 1 : 0
  provider = aws.primary

  name          = "alias/${var.name}-dr-storage"
  target_key_id = aws_kms_key.primary[0].key_id
}

resource "aws_kms_key" "replica" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  count    = local.create_replica_key && !local.multi_region ? 1 : 0
  provider = aws.secondary

  description             = "${var.name} DR storage (replica buckets)"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key[0].json
  tags                    = var.tags
}

resource "aws_kms_replica_key" "replica" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  count    = local.multi_region ? 1 : 0
  provider = aws.secondary

  description             = "${var.name} DR storage (replica buckets; replica of the primary's multi-Region key)"
  primary_key_arn         = aws_kms_key.primary[0].arn
  deletion_window_in_days = var.kms.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "replica" {
  count    = local.create_replica_key ? 1 : 0
  provider = aws.secondary

  name          = "alias/${var.name}-dr-replica"
  target_key_id = local.multi_region ? aws_kms_replica_key.replica[0].key_id : aws_kms_key.replica[0].key_id
}

################################################################################
# Access log buckets (one per region; server access logging supports SSE-S3 only)
################################################################################

locals {
  log_bucket_names = {
    primary   = "${var.name}-logs-${local.account}-${local.primary_region}"
    secondary = "${var.name}-logs-${local.account}-${local.secondary_region}"
  }
  # Added to the TLS-only policy of modules/_bucket.
  log_delivery_statements = { for side, name in local.log_bucket_names : side => [jsonencode({
    Sid       = "S3ServerAccessLogDelivery"
    Effect    = "Allow"
    Principal = { Service = "logging.s3.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = "arn:${local.partition}:s3:::${name}/*"
    Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
  })] }
  # S3 server access log delivery writes only to SSE-S3 buckets; logs expire, old versions after a day.
  log_bucket_lifecycle = {
    id                                     = "retention"
    expiration_days                        = var.access_logs.retention_days
    noncurrent_days                        = 1
    abort_incomplete_multipart_upload_days = 1
  }
}

module "log_bucket_primary" {
  source = "../_bucket"
  count  = local.logs ? 1 : 0
  providers = {
    aws = aws.primary
  }

  name              = local.log_bucket_names.primary
  sse_algorithm     = "AES256"
  lifecycle_rule    = local.log_bucket_lifecycle
  policy_statements = local.log_delivery_statements.primary
  force_destroy     = var.force_destroy
  tags              = var.tags
}

module "log_bucket_secondary" {
  source = "../_bucket"
  count  = local.logs ? 1 : 0
  providers = {
    aws = aws.secondary
  }

  name              = local.log_bucket_names.secondary
  sse_algorithm     = "AES256"
  lifecycle_rule    = local.log_bucket_lifecycle
  policy_statements = local.log_delivery_statements.secondary
  force_destroy     = var.force_destroy
  tags              = var.tags
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket.this
  to   = module.log_bucket_primary[0].aws_s3_bucket.this[0]
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket_versioning.this
  to   = module.log_bucket_primary[0].aws_s3_bucket_versioning.this[0]
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket_public_access_block.this
  to   = module.log_bucket_primary[0].aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket_ownership_controls.this
  to   = module.log_bucket_primary[0].aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket_server_side_encryption_configuration.this
  to   = module.log_bucket_primary[0].aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket_lifecycle_configuration.this
  to   = module.log_bucket_primary[0].aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = module.log_bucket_primary[0].aws_s3_bucket_policy.this
  to   = module.log_bucket_primary[0].aws_s3_bucket_policy.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket_versioning.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket_versioning.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket_public_access_block.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket_ownership_controls.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket_server_side_encryption_configuration.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket_lifecycle_configuration.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = module.log_bucket_secondary[0].aws_s3_bucket_policy.this
  to   = module.log_bucket_secondary[0].aws_s3_bucket_policy.this[0]
}

################################################################################
# Bucket pairs
################################################################################

module "primary_bucket" {
  source   = "./modules/bucket"
  for_each = local.pairs
  providers = {
    aws = aws.primary
  }

  name              = local.primary_names[each.key]
  kms_key_arn       = local.primary_key_arn
  noncurrent_days   = each.value.noncurrent_days
  expire_after_days = each.value.expire_after_days
  access_logging    = local.logs
  log_bucket        = local.logs ? module.log_bucket_primary[0].name : null
  force_destroy     = var.force_destroy
  tags              = merge(var.tags, { "mwaa-platform:dr-purpose" = each.key, "mwaa-platform:dr-side" = "primary" })
}

module "replica_bucket" {
  source   = "./modules/bucket"
  for_each = local.pairs
  providers = {
    aws = aws.secondary
  }

  name              = local.replica_names[each.key]
  kms_key_arn       = local.replica_key_arn
  noncurrent_days   = each.value.noncurrent_days
  expire_after_days = each.value.expire_after_days
  access_logging    = local.logs
  log_bucket        = local.logs ? module.log_bucket_secondary[0].name : null
  force_destroy     = var.force_destroy
  tags              = merge(var.tags, { "mwaa-platform:dr-purpose" = each.key, "mwaa-platform:dr-side" = "replica" })
}

################################################################################
# Replication: a role scoped to these buckets and keys, one rule per pair
################################################################################

data "aws_iam_policy_document" "replication_trust" {
  count    = var.create ? 1 : 0
  provider = aws.primary

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "replication" {
  count    = var.create ? 1 : 0
  provider = aws.primary

  statement {
    sid       = "ReadReplicationConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [for b in module.primary_bucket : b.arn]
  }

  statement {
    sid       = "ReadSourceVersions"
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = [for b in module.primary_bucket : "${b.arn}/*"]
  }

  statement {
    sid       = "WriteReplicas"
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = [for b in module.replica_bucket : "${b.arn}/*"]
  }

  statement {
    sid       = "DecryptSourceObjects"
    actions   = ["kms:Decrypt"]
    resources = [local.primary_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.primary_region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "EncryptReplicas"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [local.replica_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.secondary_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "replication" {
  count    = var.create ? 1 : 0
  provider = aws.primary

  name               = "${var.name}-dr-replication"
  description        = "S3 cross-region replication of the ${var.name} DR buckets"
  assume_role_policy = data.aws_iam_policy_document.replication_trust[0].json
  tags               = var.tags
}

resource "aws_iam_role_policy" "replication" {
  count    = var.create ? 1 : 0
  provider = aws.primary

  name   = "replicate-dr-buckets"
  role   = aws_iam_role.replication[0].id
  policy = data.aws_iam_policy_document.replication[0].json
}

resource "aws_s3_bucket_replication_configuration" "this" {
  for_each = local.pairs
  provider = aws.primary

  bucket = module.primary_bucket[each.key].name
  role   = aws_iam_role.replication[0].arn

  rule {
    id       = "to-${local.secondary_region}"
    status   = "Enabled"
    priority = 1

    filter {
      prefix = each.value.prefix
    }

    delete_marker_replication {
      status = each.value.replicate_delete_markers ? "Enabled" : "Disabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = module.replica_bucket[each.key].arn
      storage_class = each.value.replica_storage_class

      encryption_configuration {
        replica_kms_key_id = local.replica_key_arn
      }

      dynamic "replication_time" {
        for_each = var.replication_time_control ? [1] : []
        content {
          status = "Enabled"
          time {
            minutes = 15
          }
        }
      }

      dynamic "metrics" {
        for_each = var.replication_time_control ? [1] : []
        content {
          status = "Enabled"
          event_threshold {
            minutes = 15
          }
        }
      }
    }
  }

  depends_on = [aws_iam_role_policy.replication, module.primary_bucket, module.replica_bucket]
}
