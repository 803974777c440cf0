output "arn" {
  description = "ARN of the environment."
  value       = module.mwaa.arn
}

output "webserver_url" {
  description = "Web UI hostname (reachable inside the VPC)."
  value       = module.mwaa.webserver_url
}

output "source_bucket_name" {
  description = "Where DAGs and requirements live."
  value       = module.mwaa.source_bucket_name
}

output "object_versions" {
  description = "S3 object versions the environment runs."
  value       = module.mwaa.object_versions
}
