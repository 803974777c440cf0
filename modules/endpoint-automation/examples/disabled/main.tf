# create = false: nothing is planned (no zip needed) and every output is null.
provider "aws" {}

module "endpoint_automation" {
  source = "../.."

  create = false
}

output "function_arn" {
  description = "Always null: nothing is created."
  value       = module.endpoint_automation.function_arn
}
