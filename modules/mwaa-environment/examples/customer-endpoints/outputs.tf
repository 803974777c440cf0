output "arn" {
  description = "ARN of the environment."
  value       = module.mwaa.arn
}

output "database_vpc_endpoint_service" {
  description = "The endpoint service the automation connected the VPC to."
  value       = module.mwaa.database_vpc_endpoint_service
}

output "webserver_vpc_endpoint_service" {
  description = "The webserver endpoint service (PRIVATE_ONLY)."
  value       = module.mwaa.webserver_vpc_endpoint_service
}

output "endpoint_automation_function" {
  description = "The Lambda that created the endpoints."
  value       = module.endpoint_automation.function_name
}
