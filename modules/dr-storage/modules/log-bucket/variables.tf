variable "name" {
  description = "Bucket name."
  type        = string
  nullable    = false
}

variable "policy" {
  description = "Bucket policy (log delivery + TLS-only)."
  type        = string
  nullable    = false
}

variable "retention_days" {
  description = "Days access logs are kept."
  type        = number
  nullable    = false
}

variable "force_destroy" {
  description = "Allow destroying the bucket with logs inside."
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
