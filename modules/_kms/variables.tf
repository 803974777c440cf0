variable "create" {
  description = "Create the key and its alias (false: nothing, every output null)."
  type        = bool
  default     = true
  nullable    = false
}

variable "alias" {
  description = "Alias of the key, without the alias/ prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "alias: 1-250 letters, digits, '/', '_' or '-', not under aws/ (the prefix alias/ is added)."
  }
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before a scheduled deletion."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30 && floor(var.deletion_window_in_days) == var.deletion_window_in_days
    error_message = "deletion_window_in_days must be a whole number of days from 7 to 30 (the KMS limits); every module's KMS deletion window input ends up here."
  }
}

variable "multi_region" {
  description = "Create a multi-Region primary key."
  type        = bool
  default     = false
  nullable    = false
}

variable "admin" {
  description = "The statement by which the account root (and so the account's IAM policies) administers the key (actions: one action or a list)."
  type = object({
    sid     = optional(string, "AccountAdministersThroughIam")
    actions = optional(any, "kms:*")
  })
  default  = {}
  nullable = false
}

variable "logs" {
  description = "Let CloudWatch Logs of this Region use the key for these log groups only (log_group_arns: one ARN or a list, compared with operator); null: no such statement."
  type = object({
    sid            = string
    log_group_arns = any
    operator       = optional(string, "ArnEquals")
  })
  default = null

  validation {
    condition     = var.logs == null || try(contains(["ArnEquals", "ArnLike"], var.logs.operator), false)
    error_message = "logs.operator must be ArnEquals or ArnLike."
  }
}

variable "services" {
  description = "AWS services that may encrypt with the key for this account's resources: Sid -> service principal (e.g. { EventBridgeWritesDeadLetters = \"events.amazonaws.com\" }); each gets kms:Decrypt and kms:GenerateDataKey on condition aws:SourceAccount = this account."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for sid, service in var.services : can(regex("^[A-Za-z0-9]+$", sid)) && endswith(service, ".amazonaws.com")])
    error_message = "services: each key is a Sid (letters and digits only), each value a service principal such as \"events.amazonaws.com\"."
  }
}

variable "statements" {
  description = "Further key policy statements (IAM JSON objects), after the administration, logs and services statements."
  type        = any
  default     = []
  nullable    = false
}

variable "tags" {
  description = "Tags of the key."
  type        = map(string)
  default     = {}
  nullable    = false
}
