# create = false: the module plans nothing and every output is null.
provider "aws" {}

module "network" {
  source = "../.."

  create = false
  name   = "mwaa-disabled"
}

output "vpc_id" {
  description = "Always null: nothing is created."
  value       = module.network.vpc_id
}
