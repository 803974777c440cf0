output "name" {
  description = "Bucket name, available once the bucket policy is in place (log delivery checks it) (null when not created)."
  value       = try(aws_s3_bucket_policy.this[0].bucket, null)
}

output "id" {
  description = "Bucket name as soon as the bucket exists (null when not created)."
  value       = try(aws_s3_bucket.this[0].bucket, null)
}

output "arn" {
  description = "Bucket ARN (null when not created)."
  value       = try(aws_s3_bucket.this[0].arn, null)
}

output "kms_key_arn" {
  description = "Key of the default encryption, given or created (null with SSE-S3 or when not created)."
  value       = var.create ? local.kms_key_arn : null
}

output "sse_algorithm" {
  description = "Default encryption algorithm as applied (null when not created)."
  value       = try(one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).sse_algorithm, null)
}

output "sse_kms_key_arn" {
  description = "KMS key of the default encryption as applied (null with SSE-S3 or when not created)."
  value       = try(one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).kms_master_key_id, null)
}

output "versioning_id" {
  description = "ID of the versioning resource: replication must wait for versioning on both sides (null when not created)."
  value       = try(aws_s3_bucket_versioning.this[0].id, null)
}

output "versioning_status" {
  description = "Versioning status as applied (null when not created)."
  value       = try(aws_s3_bucket_versioning.this[0].versioning_configuration[0].status, null)
}

output "public_access_block" {
  description = "The four public access block settings as applied (null when not created)."
  value = try({
    block_public_acls       = aws_s3_bucket_public_access_block.this[0].block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this[0].block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this[0].ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this[0].restrict_public_buckets
  }, null)
}

output "policy" {
  description = "The bucket policy as JSON (null when not created)."
  value       = try(aws_s3_bucket_policy.this[0].policy, null)
}

output "access_logging_target_bucket" {
  description = "Bucket receiving the S3 server access logs (null without access logging)."
  value       = try(aws_s3_bucket_logging.this[0].target_bucket, null)
}
