output "name" {
  description = "Bucket name."
  value       = module.bucket.id
}

output "arn" {
  description = "Bucket ARN."
  value       = module.bucket.arn
}

output "versioning_id" {
  description = "The versioning resource (replication must wait for versioning on both sides)."
  value       = module.bucket.versioning_id
}
