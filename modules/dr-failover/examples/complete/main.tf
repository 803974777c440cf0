# The failover control plane of "prod" in us-west-2 watching mwaa-prod-primary in us-east-1 (warm standby).
# Build the zip first: make package (build/lambda/failover.zip). Credentials and endpoints come from the
# environment (real AWS, or the local emulator via AWS_ENDPOINT_URL).

provider "aws" {
  region = var.secondary_region
}

resource "aws_kms_key" "config" {
  #checkov:skip=CKV2_AWS_64:Example stand-in for the dr-storage replica key; the default key policy (account root) applies.
  description             = "example: stands in for the dr-storage replica key"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

module "dr_failover" {
  source = "../.."

  name           = var.name
  env            = var.env
  primary_region = var.primary_region
  environments = {
    primary   = "${var.name}-primary"
    secondary = "${var.name}-secondary"
  }
  dr_mode         = "warm_standby"
  lambda_zip_path = var.lambda_zip_path

  storage = {
    config_bucket       = var.config_bucket
    kms_key_arn         = aws_kms_key.config.arn
    backup_url          = "s3://${var.config_bucket}/${var.env}"
    failback_backup_url = "s3://${var.config_bucket}/${var.env}-secondary"
  }

  health   = { period_seconds = 60, periods = 5, unhealthy_periods = 3 }
  schedule = { expression = "rate(1 minute)", enabled = var.schedule_enabled }
  restore  = { verify_dag_id = "data_pipeline" }

  lambda_environment  = var.lambda_environment
  deletion_protection = var.deletion_protection
  log_retention_days  = 365
  tags                = { example = "dr-failover-complete" }
}
