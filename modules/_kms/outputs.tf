output "arn" {
  description = "ARN of the key (null when create = false)."
  value       = one(aws_kms_key.this[*].arn)
}

output "key_id" {
  description = "Id of the key (null when create = false)."
  value       = one(aws_kms_key.this[*].key_id)
}

output "alias_name" {
  description = "alias/<alias> (null when create = false)."
  value       = one(aws_kms_alias.this[*].name)
}

output "policy" {
  description = "The key policy (JSON; null when create = false)."
  value       = one(aws_kms_key.this[*].policy)
}

output "rotation_enabled" {
  description = "Whether AWS rotates the key material yearly (always true for a created key; null when create = false)."
  value       = one(aws_kms_key.this[*].enable_key_rotation)
}

output "deletion_window_in_days" {
  description = "Waiting period before a scheduled deletion (null when create = false)."
  value       = one(aws_kms_key.this[*].deletion_window_in_days)
}
