variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Prefix of every function, role, queue, rule, schedule group and key alias."
  type        = string
  default     = "dag-invokers"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,37}$", var.name))
    error_message = "name must start with a letter and have at most 38 letters, digits or hyphens (it prefixes IAM, Lambda and Scheduler names)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# The environment the invokers trigger DAGs in
################################################################################

variable "environment_arn" {
  description = "ARN of the one MWAA environment the invokers may call (airflow:InvokeRestApi is granted on it only)."
  type        = string
  default     = null

  validation {
    condition     = !var.create || can(regex("^arn:aws[a-z-]*:airflow:[a-z0-9-]+:[0-9]{12}:environment/[a-zA-Z][0-9a-zA-Z_-]{0,79}$", coalesce(var.environment_arn, "-")))
    error_message = "environment_arn must be an MWAA environment ARN, e.g. arn:aws:airflow:us-east-1:111122223333:environment/my-env (module.mwaa_environment.arn)."
  }
}

variable "airflow_version" {
  description = "Airflow version of the environment: selects the /api/v1 (2.x) or /api/v2 (3.x) request shapes without granting airflow:GetEnvironment."
  type        = string
  default     = null

  validation {
    condition     = !var.create || can(regex("^[23]\\.[0-9]+\\.[0-9]+$", coalesce(var.airflow_version, "-")))
    error_message = "airflow_version must be the environment's Airflow 2.x or 3.x version, e.g. \"2.10.3\" or \"3.0.6\"."
  }
}

################################################################################
# Functions
################################################################################

variable "lambda_zip_path" {
  description = "Path to the Lambda zip built by `python scripts/package_lambdas.py build/lambda --only airflow_api`."
  type        = string
  default     = null

  validation {
    condition     = !var.create || (var.lambda_zip_path != null && can(filebase64sha256(coalesce(var.lambda_zip_path, "-"))))
    error_message = "lambda_zip_path must point to an existing zip: build it with `python scripts/package_lambdas.py build/lambda --only airflow_api`."
  }
}

variable "lambda" {
  description = <<-EOT
    Settings of the invoker functions, passed to modules/_lambda: a field left null takes the platform default
    there (runtime python3.11, memory_size 256 MB, tracing_mode Active, log_retention_in_days 365, timeout 60 s,
    dead letters kept 14 days), where every field is also validated. timeout (seconds) covers InvokeRestApi with
    its retries; reserved_concurrency caps how many DAG runs a burst of events can start at once; vpc_config runs
    the functions in private subnets (they then need a route or an interface endpoint to the MWAA API);
    dlq_message_retention_seconds is how long undeliverable events stay in the dead-letter queues.
  EOT
  type = object({
    runtime               = optional(string)
    memory_size           = optional(number)
    timeout               = optional(number)
    reserved_concurrency  = optional(number, 5)
    tracing_mode          = optional(string)
    log_retention_in_days = optional(number)
    vpc_config = optional(object({
      subnet_ids         = list(string)
      security_group_ids = list(string)
    }))
    code_signing_config_arn       = optional(string)
    dlq_message_retention_seconds = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.lambda.timeout == null || try(var.lambda.timeout >= 10, false)
    error_message = "lambda.timeout must be at least 10 seconds (InvokeRestApi with its retries), at most 900."
  }
  validation {
    condition     = var.lambda.reserved_concurrency >= 1 && var.lambda.reserved_concurrency <= 1000
    error_message = "lambda.reserved_concurrency must be 1-1000 (0 would disable the functions)."
  }
}

variable "kms" {
  description = "Encryption of the DLQs, log groups, function environments and schedules: create a key, or bring key_arn."
  type = object({
    create                  = optional(bool, true)
    key_arn                 = optional(string)
    deletion_window_in_days = optional(number, 30)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.kms.create || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.kms.key_arn, "-")))
    error_message = "kms.key_arn must be a KMS key ARN when kms.create = false."
  }
}

variable "retry_policy" {
  description = "Delivery retries: EventBridge / Scheduler attempts and event age, Lambda's own async retries; what still fails lands in the DLQ."
  type = object({
    maximum_event_age_in_seconds = optional(number, 3600)
    maximum_retry_attempts       = optional(number, 3)
    lambda_retry_attempts        = optional(number, 2)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.retry_policy.maximum_event_age_in_seconds >= 60 && var.retry_policy.maximum_event_age_in_seconds <= 86400
    error_message = "retry_policy.maximum_event_age_in_seconds must be 60-86400."
  }
  validation {
    condition     = var.retry_policy.maximum_retry_attempts >= 0 && var.retry_policy.maximum_retry_attempts <= 185 && var.retry_policy.lambda_retry_attempts >= 0 && var.retry_policy.lambda_retry_attempts <= 2
    error_message = "retry_policy.maximum_retry_attempts must be 0-185 and lambda_retry_attempts 0-2."
  }
}

################################################################################
# Scheduled invoker
################################################################################

variable "flows" {
  description = "Scheduled invoker: flow id -> the DAG it runs, when (EventBridge Scheduler expression) and the conf it gets. Empty: no scheduled invoker."
  type = map(object({
    dag_id                  = string
    schedule_expression     = string
    timezone                = optional(string, "UTC")
    conf                    = optional(map(string), {})
    description             = optional(string)
    enabled                 = optional(bool, true)
    flexible_window_minutes = optional(number, 0)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for id, f in var.flows : can(regex("^[A-Za-z0-9_.-]{1,64}$", id)) && can(regex("^[A-Za-z0-9_.-]{1,50}$", f.dag_id))])
    error_message = "flow ids must match ^[A-Za-z0-9_.-]{1,64}$ and dag_id ^[A-Za-z0-9_.-]{1,50}$ (50: /dags/<id>/dagRuns must fit InvokeRestApi's 64-character path)."
  }
  validation {
    condition     = alltrue([for f in values(var.flows) : can(regex("^(cron|rate|at)\\(.+\\)$", f.schedule_expression))])
    error_message = "schedule_expression must be cron(...), rate(...) or at(...), e.g. \"cron(0 6 * * ? *)\"."
  }
  validation {
    condition     = alltrue([for f in values(var.flows) : f.flexible_window_minutes >= 0 && f.flexible_window_minutes <= 1440])
    error_message = "flexible_window_minutes must be 0 (exact time) to 1440."
  }
}

################################################################################
# S3-event invoker
################################################################################

variable "s3_trigger" {
  description = "S3-event invoker: objects created in bucket_name under a key prefix start the mapped DAG (longest prefix wins) with the object in its conf. routes empty: no S3 invoker."
  type = object({
    bucket_name                = optional(string)
    notification               = optional(string, "eventbridge")
    manage_bucket_notification = optional(bool, true)
    routes = optional(map(object({
      dag_id = string
      conf   = optional(map(string), {})
    })), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["eventbridge", "lambda"], var.s3_trigger.notification)
    error_message = "s3_trigger.notification must be \"eventbridge\" (bucket events via EventBridge, DLQ + retries on the rule target) or \"lambda\" (S3 notification straight to the function)."
  }
  validation {
    condition     = length(var.s3_trigger.routes) == 0 || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.s3_trigger.bucket_name, "-")))
    error_message = "s3_trigger.bucket_name must be a valid S3 bucket name when routes are given."
  }
  validation {
    condition     = alltrue([for p, r in var.s3_trigger.routes : length(p) > 0 && !startswith(p, "/") && can(regex("^[A-Za-z0-9_.-]{1,50}$", r.dag_id))])
    error_message = "route keys are non-empty key prefixes without a leading '/', e.g. \"sales/\"; dag_id must match ^[A-Za-z0-9_.-]{1,50}$."
  }
  validation {
    condition = var.s3_trigger.notification != "lambda" || alltrue([
      for a in keys(var.s3_trigger.routes) : alltrue([for b in keys(var.s3_trigger.routes) : a == b || !startswith(b, a)])
    ])
    error_message = "with notification = \"lambda\" S3 refuses overlapping prefixes (e.g. \"sales/\" and \"sales/2025/\"): use notification = \"eventbridge\" or disjoint prefixes."
  }
}
