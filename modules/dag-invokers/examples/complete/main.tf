# Both invokers for one environment: a daily flow and two S3 landing prefixes.
# Build the zip first: python scripts/package_lambdas.py build/lambda --only airflow_api

provider "aws" {}

variable "environment_arn" {
  description = "The MWAA environment the invokers trigger DAGs in (module.mwaa_environment.arn in a root stack)."
  type        = string
  default     = "arn:aws:airflow:us-east-1:123456789012:environment/local-primary"
}

variable "lambda_zip_path" {
  description = "Zip built by scripts/package_lambdas.py --only airflow_api."
  type        = string
  default     = "../../../../build/lambda/airflow_api.zip"
}

resource "aws_s3_bucket" "landing" {
  #checkov:skip=CKV_AWS_18:Example bucket; access logging belongs to the real landing bucket's stack.
  #checkov:skip=CKV_AWS_144:Example bucket; cross-region replication is the dr-storage module's job.
  #checkov:skip=CKV2_AWS_62:Notifications are configured by the module (EventBridge).
  bucket_prefix = "landing-"
}

resource "aws_s3_bucket_public_access_block" "landing" {
  bucket                  = aws_s3_bucket.landing.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "landing" {
  bucket = aws_s3_bucket.landing.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "landing" {
  bucket = aws_s3_bucket.landing.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "landing" {
  bucket = aws_s3_bucket.landing.id
  rule {
    id     = "expire-processed-landings"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }
}

resource "aws_s3_bucket_policy" "landing_tls_only" {
  bucket = aws_s3_bucket.landing.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.landing.arn, "${aws_s3_bucket.landing.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

module "dag_invokers" {
  source = "../.."

  name            = "etl-invokers"
  environment_arn = var.environment_arn
  airflow_version = "2.10.3"
  lambda_zip_path = var.lambda_zip_path

  flows = {
    daily_sales = {
      dag_id              = "sales_etl"
      schedule_expression = "cron(0 6 * * ? *)"
      timezone            = "Europe/Paris"
      conf                = { mode = "full" }
    }
  }

  s3_trigger = {
    bucket_name = aws_s3_bucket.landing.id
    routes = {
      "sales/" = { dag_id = "sales_etl", conf = { mode = "incremental" } }
      "hr/"    = { dag_id = "hr_etl" }
    }
  }

  tags = { project = "mwaa-platform", example = "dag-invokers-complete" }
}

output "schedule_arns" {
  description = "Flow id -> schedule ARN."
  value       = module.dag_invokers.schedule_arns
}

output "s3_function_arn" {
  description = "The S3-event invoker."
  value       = module.dag_invokers.s3_function_arn
}
