variable "name" {
  description = "Bucket name."
  type        = string
  nullable    = false
}

variable "kms_key_arn" {
  description = "KMS key for default encryption (SSE-KMS with an S3 bucket key)."
  type        = string
  nullable    = false
}

variable "noncurrent_days" {
  description = "Days an object version is kept after it stops being current."
  type        = number
  nullable    = false
}

variable "expire_after_days" {
  description = "Days after which current objects expire (null: never)."
  type        = number
  default     = null
}

variable "access_logging" {
  description = "Send S3 server access logs to log_bucket."
  type        = bool
  default     = false
  nullable    = false
}

variable "log_bucket" {
  description = "Bucket for S3 server access logs (used when access_logging is true)."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying a bucket that still holds objects."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
