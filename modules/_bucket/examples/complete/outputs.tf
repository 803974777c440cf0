output "data_bucket_arn" {
  description = "ARN of the data bucket."
  value       = module.data.arn
}

output "data_kms_key_arn" {
  description = "The data bucket's own key."
  value       = module.data.kms_key_arn
}

output "log_bucket_name" {
  description = "Name of the access-log bucket."
  value       = module.logs.name
}

output "disabled_arn" {
  description = "null: create = false creates nothing."
  value       = module.disabled.arn
}
