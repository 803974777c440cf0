output "alb_arn" {
  description = "ARN of the load balancer (the authenticator checks that the JWT's signer is exactly this)."
  value       = try(aws_lb.this[0].arn, null)
}

output "alb_dns_name" {
  description = "DNS name of the load balancer; point your alias (CNAME / Route 53 alias) at it and register https://<alias>/oauth2/idpresponse as the IdP redirect URL."
  value       = try(aws_lb.this[0].dns_name, null)
}

output "alb_zone_id" {
  description = "Hosted zone id of the load balancer, for a Route 53 alias record."
  value       = try(aws_lb.this[0].zone_id, null)
}

output "security_group_id" {
  description = "Security group of the load balancer."
  value       = try(aws_security_group.alb[0].id, null)
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener (add your own rules at priorities 3-99)."
  value       = try(aws_lb_listener.https[0].arn, null)
}

output "target_group_arn" {
  description = "ARN of the Lambda target group."
  value       = try(aws_lb_target_group.authenticator[0].arn, null)
}

output "function_name" {
  description = "Name of the authenticator Lambda."
  value       = local.authenticator_name
}

output "function_arn" {
  description = "ARN of the authenticator Lambda."
  value       = local.authenticator_arn
}

output "execution_role_arn" {
  description = "Execution role of the authenticator (the only principal the access roles trust)."
  value       = module.authenticator.role_arn
}

output "log_group_name" {
  description = "CloudWatch log group of the authenticator (logins and denials; never tokens)."
  value       = module.authenticator.log_group_name
}

output "table_name" {
  description = "Authorization table; `mwaa-platform sso grant --table <this> ...` manages it."
  value       = try(aws_dynamodb_table.authorizations[0].name, null)
}

output "table_arn" {
  description = "ARN of the authorization table."
  value       = try(aws_dynamodb_table.authorizations[0].arn, null)
}

output "kms_key_arn" {
  description = "KMS key of the table, the Lambda environment and its log group (created or given)."
  value       = local.create ? local.kms_key_arn : null
}

output "access_role_arns" {
  description = "Airflow role -> IAM role allowed airflow:CreateWebLoginToken for that role on the environments that allow it."
  value       = local.create ? { for role, r in aws_iam_role.access : role => r.arn } : null
}

output "access_logs_bucket" {
  description = "Bucket receiving the load balancer's access logs."
  value       = local.create ? local.log_bucket : null
}

output "login_urls" {
  description = "Environment key -> URL users open (on the load balancer's DNS name; use your alias in practice)."
  value       = local.create ? { for key in local.environment_keys : key => "https://${aws_lb.this[0].dns_name}/${key}" } : null
}

output "logout_url" {
  description = "URL that ends the load balancer session (and goes on to the IdP's logout when oidc.logout_url is set)."
  value       = try("https://${aws_lb.this[0].dns_name}/logout", null)
}

output "vpc_peering_connection_ids" {
  description = "vpc_peerings key -> peering connection id (accept those to another account or region on the peer side)."
  value       = local.create ? { for k, p in aws_vpc_peering_connection.private_webserver : k => p.id } : null
}
