variable "region" {
  description = "Region to deploy the example in."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of the example's resources."
  type        = string
  default     = "sso-example"
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener (imported or issued beforehand)."
  type        = string
}

variable "oidc_client_secret_arn" {
  description = "Secrets Manager secret holding {\"client_secret\": \"...\"} of the OIDC client."
  type        = string
}

variable "authenticator_zip_path" {
  description = "Authenticator zip built by scripts/package_lambdas.py (make package writes build/lambda/sso.zip)."
  type        = string
  default     = "../../../../build/lambda/sso.zip"
}

variable "force_destroy_logs" {
  description = "Let destroy delete the access logs bucket with its logs (only for throw-away stacks)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the load balancer and table from deletion (the emulator test turns it off to destroy)."
  type        = bool
  default     = true
}

variable "authenticator_key_url_base" {
  description = "Override of the ALB public key endpoint (null in AWS; the emulator test serves its own keys on loopback)."
  type        = string
  default     = null
}
