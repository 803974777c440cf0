# The house defaults for every Lambda of the platform live here, once: a caller passes null to get them
# (nullable = false turns a null argument into the default).

variable "create" {
  description = "Create the functions and everything they need (false: nothing)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the unit: the execution role is <name> (unless role.name), the log group /aws/lambda/<name> (unless log_group_name)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,56}$", var.name))
    error_message = "name must be 1-56 letters, digits, '-' or '_' (it prefixes the role and log group names)."
  }
}

variable "functions" {
  description = <<-EOT
    The functions, all from the one zip and sharing one role, log group and dead-letter queue, keyed by a
    short id. name is the function name; timeout (seconds) null = the house default.
  EOT
  type = map(object({
    name        = string
    description = string
    handler     = string
    timeout     = optional(number)
  }))

  validation {
    condition     = alltrue([for f in values(var.functions) : can(regex("^[A-Za-z0-9_-]{1,64}$", f.name))])
    error_message = "Each functions[*].name must be 1-64 letters, digits, '-' or '_' (a Lambda function name)."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.timeout == null || try(f.timeout >= 1 && f.timeout <= 900, false)])
    error_message = "Each functions[*].timeout must be 1-900 seconds (the Lambda limit)."
  }
}

variable "filename" {
  description = "Path of the deployment package (.zip); its SHA-256 becomes the source code hash, so a rebuilt zip is redeployed. Null only when create = false."
  type        = string

  validation {
    condition     = !var.create || var.filename != null
    error_message = "filename is required when create = true: the zip built by scripts/package_lambdas.py."
  }
}

variable "runtime" {
  description = "Lambda runtime of every function (null = python3.11, the version the zips' compiled dependencies are built for)."
  type        = string
  default     = "python3.11"
  nullable    = false

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "architectures" {
  description = "Instruction set of every function (null = [\"x86_64\"], what the zips are built for)."
  type        = list(string)
  default     = ["x86_64"]
  nullable    = false

  validation {
    condition     = length(var.architectures) == 1 && alltrue([for a in var.architectures : contains(["x86_64", "arm64"], a)])
    error_message = "architectures must be [\"x86_64\"] or [\"arm64\"]."
  }
}

variable "memory_size" {
  description = "Memory of every function in MB (null = 256)."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128-10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds of the functions that set none themselves (null = 60)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be 1-900 seconds (the Lambda limit)."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of every function (null = Active); Active also grants the role the two X-Ray write actions."
  type        = string
  default     = "Active"
  nullable    = false

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of each function: the cap on what one function can run at once."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency
    error_message = "reserved_concurrency must be a whole number >= 1 (0 would disable the functions)."
  }
}

variable "environment_variables" {
  description = "Environment variables of every function (encrypted with kms_key_arn); never secrets."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer managed key for the function environments, the log group and the dead-letter queue; its key policy must let logs.<region>.amazonaws.com use it for log_group_arn."
  type        = string

  validation {
    condition     = !var.create || var.kms_key_arn != null
    error_message = "kms_key_arn is required when create = true: functions, logs and dead letters are always encrypted with a customer managed key."
  }
}

variable "log_group_name" {
  description = "Name of the log group all functions write to (null = /aws/lambda/<name>)."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Retention of the log group in days."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, ..., 365, ..., 3653)."
  }
}

variable "role" {
  description = "The execution role: name (null = <name>), description and the name of its inline policy."
  type = object({
    name        = optional(string)
    description = string
    policy_name = optional(string, "lambda")
  })
}

variable "policy_statements" {
  description = <<-EOT
    Least-privilege statements of the role's inline policy beyond what the module grants itself (its own log
    group, X-Ray when Active, ENIs of the given subnets with vpc_config, the dead-letter queue, kms:Decrypt on
    kms_key_arn). Actions and resources are lists; conditions are operator -> key -> values.
  EOT
  type = list(object({
    sid        = string
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))), {})
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid))])
    error_message = "Each policy_statements[*].sid must be letters and digits only (an IAM Sid)."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && length(s.resources) > 0 && !contains(s.actions, "*")])
    error_message = "Each policy statement needs at least one action and one resource, and no action \"*\"."
  }

  validation {
    condition     = length(distinct([for s in var.policy_statements : s.sid])) == length(var.policy_statements)
    error_message = "policy_statements[*].sid must be unique."
  }
}

variable "vpc_config" {
  description = "Run the functions in these subnets with these security groups (null = outside a VPC). The role may then create ENIs only in them."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition     = var.vpc_config == null || (length(try(var.vpc_config.subnet_ids, [])) > 0 && length(try(var.vpc_config.security_group_ids, [])) > 0)
    error_message = "vpc_config needs at least one subnet id and one security group id."
  }
}

variable "dead_letter" {
  description = <<-EOT
    Dead-letter queue for failed asynchronous invocations. create = true: an SQS queue <name>-dlq (SSE with
    kms_key_arn) owned by this module; target_arn: an existing queue instead; neither: none (synchronous
    callers such as Step Functions or an ALB have no event to dead-letter).
  EOT
  type = object({
    create                    = optional(bool, false)
    target_arn                = optional(string)
    message_retention_seconds = optional(number, 1209600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = !(var.dead_letter.create && var.dead_letter.target_arn != null)
    error_message = "dead_letter: set create = true or target_arn, not both."
  }

  validation {
    condition     = var.dead_letter.message_retention_seconds >= 60 && var.dead_letter.message_retention_seconds <= 1209600
    error_message = "dead_letter.message_retention_seconds must be 60-1209600 (1 minute to 14 days)."
  }
}

variable "async_invoke" {
  description = "Retries and maximum event age of asynchronous invocations (null = the Lambda defaults, no invoke config)."
  type = object({
    maximum_retry_attempts       = number
    maximum_event_age_in_seconds = number
  })
  default = null

  validation {
    condition     = var.async_invoke == null || try(var.async_invoke.maximum_retry_attempts >= 0 && var.async_invoke.maximum_retry_attempts <= 2, false)
    error_message = "async_invoke.maximum_retry_attempts must be 0-2."
  }

  validation {
    condition     = var.async_invoke == null || try(var.async_invoke.maximum_event_age_in_seconds >= 60 && var.async_invoke.maximum_event_age_in_seconds <= 21600, false)
    error_message = "async_invoke.maximum_event_age_in_seconds must be 60-21600."
  }
}

variable "code_signing_config_arn" {
  description = "Code signing configuration the functions must satisfy (null = none; the zips are built reproducibly from the repository)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
