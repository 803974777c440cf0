# Backup and DAG buckets in us-east-1 replicated to us-west-2. The providers take credentials and endpoints from
# the environment (real AWS, or the local emulator via AWS_ENDPOINT_URL).

provider "aws" {
  alias  = "primary"
  region = var.primary_region
}

provider "aws" {
  alias  = "secondary"
  region = var.secondary_region
}

module "dr_storage" {
  source = "../.."
  providers = {
    aws.primary   = aws.primary
    aws.secondary = aws.secondary
  }

  name = var.name
  buckets = {
    backup = { noncurrent_days = 14, expire_after_days = 90 }
    dags   = { noncurrent_days = 30 }
  }
  access_logs   = { retention_days = 90 }
  force_destroy = var.force_destroy
  tags          = { example = "dr-storage-complete" }
}
