variable "region" {
  description = "Region of both accounts."
  type        = string
  default     = "us-east-1"
}

variable "producer_role_arn" {
  description = "Role in account A (producer) that Terraform assumes from account B's credentials, e.g. arn:aws:iam::111111111111:role/terraform-data-producer."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.producer_role_arn))
    error_message = "producer_role_arn must be an IAM role ARN in account A, e.g. arn:aws:iam::111111111111:role/terraform-data-producer."
  }
}

variable "name" {
  description = "Name prefix of the example."
  type        = string
  default     = "xacct-demo"
}

variable "enable_redshift_serverless" {
  description = "false for ENV=local (the emulator has no Redshift Serverless)."
  type        = bool
  default     = true
}

variable "disposable" {
  description = "true for test stacks: buckets are emptied on destroy and secrets deleted without recovery window."
  type        = bool
  default     = false
}
