output "name" {
  description = "Bucket name (available once its policy lets log delivery write)."
  value       = aws_s3_bucket_policy.this.bucket
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}
