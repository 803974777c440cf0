# One account: the rule on the default bus invokes the Lambda whenever an MWAA environment of this account
# enters PENDING (create its endpoints) or DELETED (remove them). Configured by the environment only.
# Build the Lambda first: python scripts/package_lambdas.py build/lambda --only endpoints
provider "aws" {}

variable "lambda_zip_path" {
  description = "The endpoints Lambda zip."
  type        = string
  default     = "../../../../build/lambda/endpoints.zip"
}

variable "allowed_vpc_ids" {
  description = "VPCs the automation may create endpoints in (empty = any in this account and region)."
  type        = list(string)
  default     = []
}

module "endpoint_automation" {
  source = "../.."

  name            = "mwaa-endpoints"
  lambda_zip_path = var.lambda_zip_path
  allowed_vpc_ids = var.allowed_vpc_ids

  tags = { example = "single-account" }
}

output "function_name" {
  description = "The handler function."
  value       = module.endpoint_automation.function_name
}

output "rule_arns" {
  description = "The rule(s) that invoke it."
  value       = module.endpoint_automation.rule_arns
}

output "dlq_url" {
  description = "Where failed events end up."
  value       = module.endpoint_automation.dlq_url
}
