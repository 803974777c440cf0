variable "name" {
  description = "Name prefix."
  type        = string
  default     = "mwaa-example"
}

variable "primary_region" {
  description = "Region of the primary buckets."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Region of the replicas."
  type        = string
  default     = "us-west-2"
}

variable "force_destroy" {
  description = "Destroy buckets with objects inside (tests only)."
  type        = bool
  default     = false
}
