output "primary_buckets" {
  description = "Primary-region buckets by purpose: { name, arn }. null when not created."
  value       = var.create ? { for k, b in module.primary_bucket : k => { name = b.name, arn = b.arn } } : null
}

output "replica_buckets" {
  description = "Secondary-region replica buckets by purpose: { name, arn }. null when not created."
  value       = var.create ? { for k, b in module.replica_bucket : k => { name = b.name, arn = b.arn } } : null
}

output "primary_kms_key_arn" {
  description = "Key encrypting the primary buckets (grant kms:Decrypt/GenerateDataKey to their writers)."
  value       = var.create ? local.primary_key_arn : null
}

output "replica_kms_key_arn" {
  description = "Key encrypting the replica buckets (grant kms:Decrypt to the secondary's readers)."
  value       = var.create ? local.replica_key_arn : null
}

output "replication_role_arn" {
  description = "The role S3 assumes to replicate these buckets."
  value       = try(aws_iam_role.replication[0].arn, null)
}

output "log_buckets" {
  description = "Access log buckets: { primary, secondary } names. null when not created."
  value       = local.logs ? { primary = module.log_bucket_primary[0].name, secondary = module.log_bucket_secondary[0].name } : null
}

output "replication" {
  description = "Source bucket -> { destination bucket, replica key, prefix }: what scripts/dr_initial_copy.py and the local replication emulation read. null when not created."
  value = var.create ? {
    for k, b in module.primary_bucket : b.name => {
      purpose            = k
      destination_bucket = module.replica_bucket[k].name
      destination_region = local.secondary_region
      replica_kms_key    = local.replica_key_arn
      prefix             = var.buckets[k].prefix
    }
  } : null
}
