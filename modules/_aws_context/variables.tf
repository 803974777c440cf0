variable "create" {
  description = "Look the account, Region and partition up (false: no lookup, the outputs are the fallbacks)."
  type        = bool
  default     = true
  nullable    = false
}
