# A data bucket with a key of its own, logging to an SSE-S3 access-log bucket, plus a call with create = false
# that plans nothing. The provider is configured by the environment only (AWS_REGION, credentials, and for the
# embedded default AWS_ENDPOINT_URL), so the same example runs against real AWS.
provider "aws" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  prefix   = "bucket-example-${data.aws_caller_identity.current.account_id}"
  data_arn = "arn:${data.aws_partition.current.partition}:s3:::${local.prefix}-data"
}

module "logs" {
  source = "../.."

  name          = "${local.prefix}-logs"
  sse_algorithm = "AES256"
  lifecycle_rule = {
    expiration_days = 90
    noncurrent_days = 1
  }
  policy_statements = [jsonencode({
    Sid       = "S3ServerAccessLogs"
    Effect    = "Allow"
    Principal = { Service = "logging.s3.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = "arn:${data.aws_partition.current.partition}:s3:::${local.prefix}-logs/s3/*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
      ArnLike      = { "aws:SourceArn" = local.data_arn }
    }
  })]
  force_destroy = true
}

module "data" {
  source = "../.."

  name           = "${local.prefix}-data"
  create_kms_key = true
  lifecycle_rule = { noncurrent_days = 30 }
  access_logging = { target_bucket = module.logs.name, target_prefix = "s3/${local.prefix}-data/" }
  force_destroy  = true
}

module "disabled" {
  source = "../.."

  create         = false
  name           = "never-created"
  lifecycle_rule = { noncurrent_days = 30 }
}
