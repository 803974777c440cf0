variable "name" {
  description = "Name prefix."
  type        = string
  default     = "mwaa-example"
}

variable "env" {
  description = "Platform environment."
  type        = string
  default     = "example"
}

variable "primary_region" {
  description = "The watched region."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Where the control plane runs."
  type        = string
  default     = "us-west-2"
}

variable "config_bucket" {
  description = "Existing bucket in the secondary region (the dr-storage replica backup bucket)."
  type        = string
  default     = "mwaa-example-backup-replica"
}

variable "lambda_zip_path" {
  description = "The failover Lambda zip."
  type        = string
  default     = "../../../../build/lambda/failover.zip"
}

variable "schedule_enabled" {
  description = "Run the evaluation on schedule."
  type        = bool
  default     = true
}

variable "lambda_environment" {
  description = "Extra Lambda environment (local emulator routing only)."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "State table deletion protection."
  type        = bool
  default     = true
}
