variable "create" {
  description = "Create anything at all. With false nothing is planned and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name prefix for buckets, keys and the replication role, e.g. \"mwaa-prod\" (2-24 lowercase letters, digits, hyphens)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name))
    error_message = "name must be 2-24 lowercase letters, digits or hyphens, starting with a letter, e.g. \"mwaa-prod\" (bucket names add the purpose, account id and region)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "buckets" {
  description = <<-EOT
    The replicated bucket pairs, keyed by purpose (e.g. backup, dags): a bucket in the primary region and its
    replica in the secondary. Per pair: noncurrent_days (old versions kept, both sides), expire_after_days
    (delete current objects after this many days; null = keep), replicate_delete_markers (false: deleting in the
    primary never deletes the replica's latest version), replica_storage_class, prefix (replicate only keys under it).
  EOT
  type = map(object({
    noncurrent_days          = optional(number, 30)
    expire_after_days        = optional(number)
    replicate_delete_markers = optional(bool, false)
    replica_storage_class    = optional(string, "STANDARD")
    prefix                   = optional(string, "")
  }))
  default = {
    backup = {}
    dags   = {}
  }
  nullable = false

  validation {
    condition     = length(var.buckets) > 0 && alltrue([for k in keys(var.buckets) : can(regex("^[a-z][a-z0-9]{1,11}$", k))])
    error_message = "buckets needs at least one entry; keys are 2-12 lowercase letters/digits such as \"backup\" or \"dags\" (they become part of bucket names)."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.noncurrent_days >= 1 && b.noncurrent_days <= 3650])
    error_message = "buckets.<key>.noncurrent_days must be between 1 and 3650."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.expire_after_days == null || try(b.expire_after_days >= 1, false)])
    error_message = "buckets.<key>.expire_after_days must be null (keep) or at least 1 day."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : contains(["STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR"], b.replica_storage_class)])
    error_message = "buckets.<key>.replica_storage_class must be STANDARD, STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA or GLACIER_IR (instant retrieval: a restore must not wait for a thaw)."
  }
}

variable "replication_time_control" {
  description = "S3 Replication Time Control (15-minute SLA, replication metrics) on every rule. Costs extra; recommended for prod."
  type        = bool
  default     = false
  nullable    = false
}

variable "kms" {
  description = <<-EOT
    Encryption keys. By default the module creates a multi-Region key in the primary and its replica in the
    secondary (multi_region = true): replication re-encrypts with the replica, and whatever is sealed with the
    key in the primary (the metadata engine's snapshot secrets) can be opened in the secondary after a
    failover. multi_region = false creates two independent keys. Set primary_key_arn / replica_key_arn to
    use existing keys instead.
  EOT
  type = object({
    multi_region            = optional(bool, true)
    primary_key_arn         = optional(string)
    replica_key_arn         = optional(string)
    deletion_window_in_days = optional(number, 30)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for arn in [var.kms.primary_key_arn, var.kms.replica_key_arn] : arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", coalesce(arn, "-")))])
    error_message = "kms.primary_key_arn and kms.replica_key_arn must be KMS key or alias ARNs such as \"arn:aws:kms:us-west-2:111122223333:key/mrk-...\"."
  }

  validation {
    condition     = (var.kms.primary_key_arn == null) == (var.kms.replica_key_arn == null)
    error_message = "Give both kms.primary_key_arn and kms.replica_key_arn, or neither (the module then creates them)."
  }

  validation {
    condition     = var.kms.deletion_window_in_days >= 7 && var.kms.deletion_window_in_days <= 30
    error_message = "kms.deletion_window_in_days must be between 7 and 30."
  }
}

variable "access_logs" {
  description = "S3 server access logs of every bucket to a log bucket per region (created here), kept retention_days."
  type = object({
    enabled        = optional(bool, true)
    retention_days = optional(number, 365)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.access_logs.retention_days >= 1
    error_message = "access_logs.retention_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete buckets that still hold objects (tests and the local emulator only; never in prod)."
  type        = bool
  default     = false
  nullable    = false
}
