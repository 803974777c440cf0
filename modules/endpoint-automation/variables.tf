variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the function, role, rules, queue and key alias."
  type        = string
  default     = "mwaa-endpoint-automation"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_-]{0,47}$", var.name))
    error_message = "name must start with a letter and have at most 48 letters, digits, hyphens or underscores (it prefixes IAM and EventBridge names)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "mode" {
  description = "handler: the rule + Lambda that create endpoints (single account, or the VPC owner of a shared VPC). forwarder: a participant account's rule that forwards its MWAA status events to the owner's event bus."
  type        = string
  default     = "handler"
  nullable    = false

  validation {
    condition     = contains(["handler", "forwarder"], var.mode)
    error_message = "mode must be \"handler\" (creates the endpoints) or \"forwarder\" (participant account: forwards events to the owner)."
  }
}

################################################################################
# Handler mode
################################################################################

variable "lambda_zip_path" {
  description = "Path to the Lambda zip built by `scripts/package_lambdas.py build/lambda --only endpoints` (handler mode)."
  type        = string
  default     = null

  validation {
    condition     = !var.create || var.mode != "handler" || (var.lambda_zip_path != null && can(filebase64sha256(coalesce(var.lambda_zip_path, "-"))))
    error_message = "lambda_zip_path must point to an existing zip in handler mode: build it with `make package` (or `python scripts/package_lambdas.py build/lambda --only endpoints`)."
  }
}

variable "lambda" {
  description = <<-EOT
    Settings of the handler function, passed to modules/_lambda: a field left null takes the platform default
    there (runtime python3.11, memory_size 256 MB, reserved_concurrency 1, tracing_mode Active,
    log_retention_in_days 365), where every field is also validated. timeout (seconds) covers the in-function
    backoff (about 8 s per AWS call at worst); reserved_concurrency 1 serialises edits of shared SQS endpoint
    policies; vpc_config runs the function in these subnets (it then needs EC2 API access from them, e.g. an ec2
    interface endpoint).
  EOT
  type = object({
    runtime               = optional(string)
    memory_size           = optional(number)
    timeout               = optional(number, 120)
    reserved_concurrency  = optional(number)
    tracing_mode          = optional(string)
    log_retention_in_days = optional(number)
    vpc_config = optional(object({
      subnet_ids         = list(string)
      security_group_ids = list(string)
    }))
    code_signing_config_arn = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.lambda.runtime == null || try(contains(["python3.11", "python3.12"], var.lambda.runtime), false)
    error_message = "lambda.runtime must be python3.11 or python3.12."
  }

  validation {
    condition     = var.lambda.timeout >= 30
    error_message = "lambda.timeout must be at least 30 seconds (the in-function backoff), at most 900."
  }
}

variable "log_level" {
  description = "Log level of the function: DEBUG, INFO, WARNING or ERROR."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "allowed_vpc_ids" {
  description = "VPCs the function may create endpoints in (IAM condition and a check in the handler). Empty = any VPC of this account and region."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for v in var.allowed_vpc_ids : can(regex("^vpc-[0-9a-f]{8,17}$", v))])
    error_message = "allowed_vpc_ids must be VPC ids such as vpc-0123456789abcdef0."
  }
}

variable "endpoint_security_group_ids" {
  description = "Security groups put on the endpoints the function creates, instead of the environment's own. Shared-VPC owner side: the endpoints are the owner's and cannot carry a participant's groups. Empty = the environment's groups."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.endpoint_security_group_ids) <= 5 && alltrue([for g in var.endpoint_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", g))])
    error_message = "endpoint_security_group_ids must be at most 5 security group ids such as sg-0123456789abcdef0."
  }
}

variable "participant_account_ids" {
  description = "Shared VPC owner side: accounts whose MWAA events are forwarded here. Creates an event bus that accepts exactly their MWAA status events, and lets the handler act for them."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.participant_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "participant_account_ids must be 12-digit AWS account ids."
  }
}

variable "event_bus_name" {
  description = "Bus the handler's rule for this account's own MWAA events listens on."
  type        = string
  default     = "default"
  nullable    = false
}

################################################################################
# Forwarder mode
################################################################################

variable "forward_to_event_bus_arn" {
  description = "Forwarder mode: ARN of the owner account's event bus (the handler module's `forwarded_event_bus_arn` output)."
  type        = string
  default     = null

  validation {
    condition     = !var.create || var.mode != "forwarder" || can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$", coalesce(var.forward_to_event_bus_arn, "-")))
    error_message = "forward_to_event_bus_arn must be the owner's event bus ARN (arn:aws:events:<region>:<owner account>:event-bus/<name>) in forwarder mode."
  }
}

################################################################################
# Delivery: retries, dead letters, encryption
################################################################################

variable "retry_policy" {
  description = "EventBridge delivery retries to the function (or the owner's bus), and Lambda's own asynchronous retries."
  type = object({
    maximum_event_age_in_seconds = optional(number, 3600)
    maximum_retry_attempts       = optional(number, 8)
    lambda_retry_attempts        = optional(number, 2)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.retry_policy.maximum_event_age_in_seconds >= 60 && var.retry_policy.maximum_event_age_in_seconds <= 21600 && var.retry_policy.maximum_retry_attempts >= 0 && var.retry_policy.maximum_retry_attempts <= 185 && var.retry_policy.lambda_retry_attempts >= 0 && var.retry_policy.lambda_retry_attempts <= 2
    error_message = "retry_policy: maximum_event_age_in_seconds 60-21600, maximum_retry_attempts 0-185, lambda_retry_attempts 0-2."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long undeliverable or failed events stay in the dead-letter queue."
  type        = number
  default     = 1209600
  nullable    = false

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be 60-1209600 (14 days)."
  }
}

variable "kms" {
  description = "Key for the dead-letter queue, the log group and the function's environment. create = true: a customer managed key with rotation; else `key_arn` of yours."
  type = object({
    create                  = optional(bool, true)
    key_arn                 = optional(string)
    deletion_window_in_days = optional(number, 30)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.kms.create != (var.kms.key_arn != null)
    error_message = "Set exactly one of kms.create = true or kms.key_arn (encryption is not optional)."
  }
}
