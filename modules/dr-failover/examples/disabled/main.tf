# create = false: nothing is planned and every output is null.

provider "aws" {
  region = "us-west-2"
}

module "dr_failover" {
  source = "../.."

  create          = false
  name            = "mwaa-disabled"
  env             = "disabled"
  primary_region  = "us-east-1"
  environments    = { primary = "p", secondary = "s" }
  lambda_zip_path = "${path.module}/main.tf"
  storage = {
    config_bucket = "unused"
    kms_key_arn   = "arn:aws:kms:us-west-2:111122223333:key/unused"
    backup_url    = "s3://unused/x"
  }
}

output "state_machine_arn" {
  description = "null: nothing was created."
  value       = module.dr_failover.state_machine_arn
}
