output "login_urls" {
  description = "Environment key -> URL to open."
  value       = module.sso_alb.login_urls
}

output "table_name" {
  description = "Authorization table for `mwaa-platform sso grant --table ...`."
  value       = module.sso_alb.table_name
}

output "alb_arn" {
  description = "ARN of the SSO load balancer."
  value       = module.sso_alb.alb_arn
}

output "function_name" {
  description = "Authenticator Lambda."
  value       = module.sso_alb.function_name
}

output "access_role_arns" {
  description = "Airflow role -> access role."
  value       = module.sso_alb.access_role_arns
}

output "vpc_peering_connection_ids" {
  description = "Peerings to private web servers."
  value       = module.sso_alb.vpc_peering_connection_ids
}
