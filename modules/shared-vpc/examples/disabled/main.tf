# create = false: the module plans nothing and every output is null.
provider "aws" {}

module "shared_vpc" {
  source = "../.."

  create      = false
  name        = "mwaa-shared-disabled"
  subnet_arns = ["arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0123456789abcdef0", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0fedcba9876543210"]
  principals  = ["444455556666"]
}

output "resource_share_arn" {
  description = "Always null: nothing is created."
  value       = module.shared_vpc.resource_share_arn
}
