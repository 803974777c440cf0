################################################################################
# One customer managed key with its alias: the account administers it through IAM, CloudWatch Logs may use it
# for the named log groups only, the named services may encrypt for this account, and the caller adds any
# further statements it needs.
################################################################################

data "aws_caller_identity" "this" {}
data "aws_region" "this" {}
data "aws_partition" "this" {}

locals {
  account_root = "arn:${data.aws_partition.this.partition}:iam::${data.aws_caller_identity.this.account_id}:root"
  logs_service = "logs.${data.aws_region.this.name}.${data.aws_partition.this.dns_suffix}"
  statements = concat(
    [{
      Sid       = var.admin.sid
      Effect    = "Allow"
      Principal = { AWS = local.account_root }
      Action    = var.admin.actions
      Resource  = "*"
    }],
    var.logs == null ? [] : [{
      Sid       = var.logs.sid
      Effect    = "Allow"
      Principal = { Service = local.logs_service }
      Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = { (var.logs.operator) = { "kms:EncryptionContext:aws:logs:arn" = var.logs.log_group_arns } }
    }],
    [for sid, service in var.services : {
      Sid       = sid
      Effect    = "Allow"
      Principal = { Service = service }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.this.account_id } }
    }],
    var.statements,
  )
}

resource "aws_kms_key" "this" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  count = var.create ? 1 : 0

  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  enable_key_rotation     = true
  multi_region            = var.multi_region
  policy                  = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create ? 1 : 0

  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this[0].key_id
}
