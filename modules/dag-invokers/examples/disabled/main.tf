# create = false: the module plans nothing (no zip or environment needed) and every output is null.

provider "aws" {}

module "dag_invokers" {
  source = "../.."

  create = false
  flows  = { daily = { dag_id = "etl", schedule_expression = "rate(1 day)" } }
}

output "scheduled_function_arn" {
  description = "null: nothing is created."
  value       = module.dag_invokers.scheduled_function_arn
}
