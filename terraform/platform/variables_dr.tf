variable "dr" {
  description = <<-EOT
    Multi-region DR (modules/dr-storage in the primary workspace, modules/dr-failover in the secondary).
    buckets: the replicated pairs (backup for metadata snapshots, dags for backup_restore's DAGs);
    replication_time_control; access_log_retention_days; force_destroy (local/tests only); health thresholds,
    schedule, timeouts and restore settings of the failover (see modules/dr-failover); secondary_execution_role_arn
    (backup_restore: the role the recreated environment runs as; default: the recovery kit's role this stack makes
    in the secondary, scoped to that region's environment); lambda_environment (ENV=local: MWAA routing for the emulator's Lambdas; never secrets).
  EOT
  type = object({
    enabled = optional(bool, true)
    buckets = optional(map(object({
      noncurrent_days          = optional(number, 30)
      expire_after_days        = optional(number)
      replicate_delete_markers = optional(bool, false)
      replica_storage_class    = optional(string, "STANDARD")
      prefix                   = optional(string, "")
    })), { backup = { noncurrent_days = 14 }, dags = {} })
    replication_time_control  = optional(bool, false)
    access_log_retention_days = optional(number, 365)
    force_destroy             = optional(bool, false)
    health = optional(object({
      period_seconds         = optional(number)
      periods                = optional(number)
      unhealthy_periods      = optional(number)
      min_heartbeats         = optional(number)
      grace_seconds          = optional(number)
      canary_dag_id          = optional(string)
      canary_max_age_seconds = optional(number)
    }), {})
    schedule = optional(object({
      expression = optional(string)
      enabled    = optional(bool)
    }), {})
    timeouts = optional(object({
      lease          = optional(number)
      restore        = optional(number)
      wait_available = optional(number)
      poll           = optional(number)
      verify         = optional(number)
    }), {})
    restore = optional(object({
      restore_dag_id   = optional(string)
      backup_dag_id    = optional(string)
      verify_dag_id    = optional(string)
      strategy         = optional(string)
      in_flight        = optional(string)
      require_fencing  = optional(bool)
      never_pause_dags = optional(list(string))
    }), {})
    notification_emails          = optional(list(string), [])
    secondary_execution_role_arn = optional(string)
    lambda_environment           = optional(map(string), {})
    deletion_protection          = optional(bool, true)
    log_retention_days           = optional(number, 365)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(keys(var.dr.buckets), "backup")
    error_message = "dr.buckets needs a \"backup\" pair: metadata snapshots are replicated through it."
  }

  validation {
    condition     = var.dr_mode != "backup_restore" || contains(keys(var.dr.buckets), "dags")
    error_message = "dr_mode = \"backup_restore\" needs a \"dags\" pair in dr.buckets: the recreated environment reads its DAGs from the replica."
  }

  validation {
    condition     = !var.dr.enabled || var.mwaa.enabled
    error_message = "dr.enabled = true protects this stack's MWAA environment, and mwaa.enabled is false: set mwaa.enabled = true, or dr = { enabled = false } (a shared-VPC participant without an environment, for example)."
  }

  validation {
    condition     = contains(["rerun", "fail", "keep"], coalesce(var.dr.restore.in_flight, "rerun"))
    error_message = "dr.restore.in_flight must be \"rerun\" (the default: the snapshot's queued and running tasks died with the region, the secondary runs them again), \"fail\" (marked failed, for tasks that must not run twice) or \"keep\" (left as they were)."
  }
}
