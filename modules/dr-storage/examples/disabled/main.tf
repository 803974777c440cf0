# create = false: nothing is planned, every output is null.

provider "aws" {
  alias  = "primary"
  region = "us-east-1"
}

provider "aws" {
  alias  = "secondary"
  region = "us-west-2"
}

module "dr_storage" {
  source = "../.."
  providers = {
    aws.primary   = aws.primary
    aws.secondary = aws.secondary
  }

  create = false
  name   = "mwaa-disabled"
}

output "primary_buckets" {
  description = "null: nothing was created."
  value       = module.dr_storage.primary_buckets
}
