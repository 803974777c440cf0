output "name" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "versioning_id" {
  description = "The versioning resource (replication must wait for versioning on both sides)."
  value       = aws_s3_bucket_versioning.this.id
}
