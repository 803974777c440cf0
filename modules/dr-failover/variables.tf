variable "create" {
  description = "Create anything at all. With false nothing is planned and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name prefix of every resource, e.g. \"mwaa-prod\" (2-28 lowercase letters, digits, hyphens)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,26}[a-z0-9]$", var.name))
    error_message = "name must be 2-28 lowercase letters, digits or hyphens starting with a letter (Lambda names add \"-failover-<step>\", at most 64 characters)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "env" {
  description = "Platform environment name (dev, staging, prod, local): the key of the failover state and of the runbook's --env."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.env))
    error_message = "env must be 2-12 lowercase letters/digits starting with a letter, e.g. \"prod\"."
  }
}

variable "primary_region" {
  description = "The region whose environment is watched (this module runs in the secondary region: its provider's)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.primary_region))
    error_message = "primary_region must be a region name such as \"us-east-1\"."
  }
}

variable "environments" {
  description = "MWAA environment names: primary (watched, fenced) and secondary (warm standby, or created on failover)."
  type = object({
    primary   = string
    secondary = string
  })
  nullable = false

  validation {
    condition     = alltrue([for n in [var.environments.primary, var.environments.secondary] : can(regex("^[a-zA-Z][0-9a-zA-Z_-]{0,79}$", n))])
    error_message = "environments.primary and environments.secondary must be MWAA environment names (a letter, then letters, digits, - or _; at most 80)."
  }
}

variable "dr_mode" {
  description = "warm_standby (restore into the paused twin, unpause) or backup_restore (CreateEnvironment from the stored configuration, then restore)."
  type        = string
  default     = "warm_standby"
  nullable    = false

  validation {
    condition     = contains(["warm_standby", "backup_restore"], var.dr_mode)
    error_message = "dr_mode must be \"warm_standby\" or \"backup_restore\"."
  }
}

variable "lambda_zip_path" {
  description = "Path of the failover Lambda zip (make package -> build/lambda/failover.zip; subpackage mwaa_platform.failover)."
  type        = string
  nullable    = false
}

variable "storage" {
  description = <<-EOT
    Where the failover reads and writes in this (secondary) region: config_bucket (the primary's stored environment
    configuration goes under config_prefix), its kms_key_arn, backup_url (s3://<replica bucket>/<prefix>: the
    snapshots the restore reads), and failback_backup_url (the secondary environment's own DR backup location,
    which the failback restores into the primary; null disables failback).
  EOT
  type = object({
    config_bucket       = string
    config_prefix       = optional(string, "failover/environment-config")
    kms_key_arn         = string
    backup_url          = string
    failback_backup_url = optional(string)
  })
  nullable = false

  validation {
    condition     = startswith(var.storage.backup_url, "s3://") && (var.storage.failback_backup_url == null || startswith(coalesce(var.storage.failback_backup_url, "-"), "s3://"))
    error_message = "storage.backup_url and storage.failback_backup_url must look like s3://bucket/prefix."
  }

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.storage.kms_key_arn))
    error_message = "storage.kms_key_arn must be the ARN of the config bucket's KMS key (dr-storage output replica_kms_key_arn)."
  }
}

variable "health" {
  description = "Unhealthy after unhealthy_periods (N) of the last periods (M) complete periods of period_seconds each lack min_heartbeats SchedulerHeartbeat; periods ending within grace_seconds are not complete yet. Optional canary DAG: a success within canary_max_age_seconds vetoes a failover."
  type = object({
    period_seconds         = optional(number, 60)
    periods                = optional(number, 5)
    unhealthy_periods      = optional(number, 3)
    min_heartbeats         = optional(number, 1)
    grace_seconds          = optional(number, 60)
    canary_dag_id          = optional(string)
    canary_max_age_seconds = optional(number, 900)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.health.periods >= 1 && var.health.periods <= 60 && var.health.unhealthy_periods >= 1 && var.health.unhealthy_periods <= var.health.periods
    error_message = "health needs 1 <= unhealthy_periods (N) <= periods (M) <= 60."
  }

  validation {
    condition     = var.health.period_seconds >= 10 && var.health.period_seconds <= 3600 && var.health.period_seconds % 10 == 0
    error_message = "health.period_seconds must be a multiple of 10 between 10 and 3600."
  }
}

variable "schedule" {
  description = "How often the health evaluation runs (EventBridge Scheduler expression) and whether the schedule is on."
  type = object({
    expression = optional(string, "rate(1 minute)")
    enabled    = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^(rate\\(\\d+ (minute|minutes|hour|hours)\\)|cron\\(.+\\))$", var.schedule.expression))
    error_message = "schedule.expression must be rate(N minutes) or cron(...), e.g. \"rate(1 minute)\"."
  }
}

variable "timeouts" {
  description = "Seconds: lease (an operation's lease between steps), restore (the restore DAG's callback; shorter than the workflow), wait_available (CreateEnvironment to AVAILABLE), poll (between status polls), verify (the verification DAG run, inside one Lambda call)."
  type = object({
    lease          = optional(number, 900)
    restore        = optional(number, 1800)
    wait_available = optional(number, 5400)
    poll           = optional(number, 30)
    verify         = optional(number, 240)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.timeouts.restore >= 60 && var.timeouts.restore <= 86400 && var.timeouts.wait_available >= 60 && var.timeouts.poll >= 1 && var.timeouts.poll <= 600 && var.timeouts.lease >= 60
    error_message = "timeouts: restore 60-86400, wait_available >= 60, poll 1-600, lease >= 60."
  }

  validation {
    condition     = var.timeouts.verify >= 10 && var.timeouts.verify <= 840
    error_message = "timeouts.verify must be 10-840 seconds: it runs inside the verify Lambda (900 s timeout)."
  }
}

variable "secondary_environment" {
  description = "backup_restore: CreateEnvironment overrides for the secondary (the regional values the stored primary configuration cannot supply; airflow_version when the secondary region runs a newer Airflow than the primary). Unused in warm_standby (nothing is created). airflow_configuration_options is treated as sensitive (it may hold secrets): it reaches only the SecureString parameter, the Lambdas' environment (encrypted with the module's key) and the sensitive failover_config output."
  type = object({
    execution_role_arn            = optional(string)
    subnet_ids                    = optional(list(string), [])
    security_group_ids            = optional(list(string), [])
    kms_key_arn                   = optional(string)
    source_bucket_arn             = optional(string)
    airflow_configuration_options = optional(map(string), {})
    webserver_access_mode         = optional(string)
    airflow_version               = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.secondary_environment.airflow_version == null || can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", coalesce(var.secondary_environment.airflow_version, "-")))
    error_message = "secondary_environment.airflow_version must be an Airflow version like \"3.2.1\" (null: the primary's version). It may be newer than the primary's (a region upgraded first: the restore migrates the history forward), never older."
  }

  validation {
    condition     = length(var.secondary_environment.subnet_ids) == 0 || length(var.secondary_environment.subnet_ids) == 2
    error_message = "secondary_environment.subnet_ids must be empty or exactly two private subnets (MWAA's requirement)."
  }

  validation {
    condition = var.dr_mode != "backup_restore" || (
      var.secondary_environment.execution_role_arn != null && length(var.secondary_environment.subnet_ids) == 2 &&
      length(var.secondary_environment.security_group_ids) > 0 && var.secondary_environment.source_bucket_arn != null
    )
    error_message = "dr_mode = \"backup_restore\" creates the secondary environment on failover: set secondary_environment.execution_role_arn, subnet_ids (two), security_group_ids and source_bucket_arn (the replica DAGs bucket)."
  }
}

variable "restore" {
  description = "The restore DAG run: dag ids of the restore, backup (failback) and verification DAGs, the restore strategy, what becomes of the tasks that were queued or running in the snapshot (in_flight: rerun = the secondary runs them again, fail, keep), and whether fencing must succeed before the secondary runs anything."
  type = object({
    restore_dag_id   = optional(string, "dr_restore")
    backup_dag_id    = optional(string, "dr_backup")
    verify_dag_id    = optional(string)
    strategy         = optional(string, "replace")
    in_flight        = optional(string, "rerun")
    require_fencing  = optional(bool, false)
    never_pause_dags = optional(list(string), ["dr_restore"])
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["replace", "skip"], var.restore.strategy)
    error_message = "restore.strategy must be \"replace\" or \"skip\"."
  }

  validation {
    condition     = contains(["rerun", "fail", "keep"], var.restore.in_flight)
    error_message = "restore.in_flight must be \"rerun\" (tasks queued or running in the snapshot died with the region: the secondary runs them again), \"fail\" (marked failed, for tasks that must not run twice) or \"keep\" (left as they were)."
  }
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the failover topic (each must confirm)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the Lambda and state machine log groups: a CloudWatch Logs retention value (validated by modules/_lambda)."
  type        = number
  default     = 365
  nullable    = false
}

variable "lambda_environment" {
  description = "Extra environment variables for the failover Lambdas (the local emulator routes MWAA with AWS_ENDPOINT_URL_MWAA / HTTP_PROXY); never secrets."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions per failover Lambda: a whole number of at least 1 (checked in modules/_lambda; the failover needs one at a time, a few more let the runbook and the schedule overlap)."
  type        = number
  default     = 5
  nullable    = false
}

variable "deletion_protection" {
  description = "Deletion protection on the failover state table (turn off only for tests and the local emulator)."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms" {
  description = "The key for the state table, topic, logs and Lambda environment: created here unless key_arn is given."
  type = object({
    key_arn                 = optional(string)
    deletion_window_in_days = optional(number, 30)
  })
  default  = {}
  nullable = false
}
