variable "create" {
  description = "Create the bucket and its settings (false: nothing)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Bucket name."
  type        = string

  validation {
    condition     = !var.create || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects (test and demo environments)."
  type        = bool
  default     = false
  nullable    = false
}

variable "sse_algorithm" {
  description = "Default encryption: aws:kms (SSE-KMS with kms_key_arn, the bucket's own key with create_kms_key, else the AWS managed key aws/s3), or AES256 (SSE-S3) only for targets of S3 server access logs and ALB access logs, which cannot deliver to SSE-KMS buckets."
  type        = string
  default     = "aws:kms"
  nullable    = false

  validation {
    condition     = contains(["aws:kms", "AES256"], var.sse_algorithm)
    error_message = "sse_algorithm must be aws:kms or AES256 (AES256 only for log delivery targets)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed key of the default encryption (sse_algorithm aws:kms)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || var.sse_algorithm == "aws:kms"
    error_message = "kms_key_arn goes with sse_algorithm aws:kms."
  }
}

variable "create_kms_key" {
  description = "Create a key of the bucket's own for the default encryption (rotation on, alias alias/<bucket name>) instead of kms_key_arn."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.create_kms_key || (var.kms_key_arn == null && var.sse_algorithm == "aws:kms")
    error_message = "create_kms_key = true goes with sse_algorithm aws:kms and without kms_key_arn."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the bucket's own key (create_kms_key) is deleted."
  type        = number
  default     = 30
  nullable    = false
}

variable "lifecycle_rule" {
  description = <<-EOT
    The one lifecycle rule: id, days a version is kept once noncurrent, days until current objects expire
    (null: never) and days before an incomplete multipart upload is aborted.
  EOT
  type = object({
    id                                     = optional(string, "retention")
    noncurrent_days                        = number
    expiration_days                        = optional(number)
    abort_incomplete_multipart_upload_days = optional(number, 7)
  })

  validation {
    condition     = var.lifecycle_rule.noncurrent_days >= 1 && (var.lifecycle_rule.expiration_days == null || try(var.lifecycle_rule.expiration_days >= 1, false)) && var.lifecycle_rule.abort_incomplete_multipart_upload_days >= 1
    error_message = "lifecycle_rule days must be at least 1."
  }
}

variable "access_logging" {
  description = "Send S3 server access logs to target_bucket under target_prefix (null: no access logging)."
  type = object({
    target_bucket = string
    target_prefix = string
  })
  default = null
}

variable "policy_statements" {
  description = <<-EOT
    Statements added to the bucket policy after the ones the module always writes (deny non-TLS access, deny
    uploads that ask for a different encryption): each one IAM statement as JSON, e.g. jsonencode({ Sid = ...,
    Effect = "Allow", Principal = { Service = "..." }, Action = "s3:PutObject", Resource = "<arn>/prefix/*" }).
  EOT
  type        = list(string)
  default     = []
  nullable    = false
}

variable "deny_other_encryption_uploads" {
  description = "Add the policy statement that refuses uploads asking for another encryption than the default (false only where a writer, e.g. Redshift UNLOAD without KMS_KEY_ID, asks for SSE-S3 by itself)."
  type        = bool
  default     = true
  nullable    = false
}

variable "eventbridge_notifications" {
  description = "Send the bucket's object events to EventBridge (the default bus of its account and region)."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags for the bucket (and its key, when created)."
  type        = map(string)
  default     = {}
  nullable    = false
}
