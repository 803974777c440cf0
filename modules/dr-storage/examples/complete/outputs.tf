output "primary_buckets" {
  description = "Primary buckets by purpose."
  value       = module.dr_storage.primary_buckets
}

output "replica_buckets" {
  description = "Replica buckets by purpose."
  value       = module.dr_storage.replica_buckets
}

output "replica_kms_key_arn" {
  description = "Replica key."
  value       = module.dr_storage.replica_kms_key_arn
}

output "primary_kms_key_arn" {
  description = "Primary key."
  value       = module.dr_storage.primary_kms_key_arn
}

output "replication" {
  description = "Source bucket -> destination."
  value       = module.dr_storage.replication
}
