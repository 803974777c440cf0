# create = false: the module plans nothing and every output is null (the gate used by root stacks).
provider "aws" {}

module "mwaa" {
  source = "../.."

  create = false
  name   = "mwaa-disabled"
}

output "arn" {
  description = "Always null: nothing is created."
  value       = module.mwaa.arn
}
