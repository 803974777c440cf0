################################################################################
# Gate, naming
################################################################################

variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_environment" {
  description = <<-EOT
    false: everything the environment needs (KMS key, execution role, log groups, security group, source bucket
    settings) but not the environment itself. The recovery kit of a backup_restore secondary region: the failover
    creates the environment from the primary's stored configuration with these regional resources.
  EOT
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "MWAA environment name (also the prefix of the bucket, role, security group, key alias and log groups)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][0-9a-zA-Z_-]{0,63}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits, hyphens and underscores, at most 64 characters (MWAA allows 80, the IAM role name derived from it needs the rest), e.g. \"analytics-prod\"."
  }
}

variable "environment_name" {
  description = "The MWAA environment's own name when it differs from name, which stays the prefix of the bucket, role, security group and key. Set it to adopt the environment a blue-green upgrade created (default name <name>-<major>-<minor>, e.g. \"analytics-prod-3-2\"), then run make adopt: see the README's blue-green section. null: the environment is called name."
  type        = string
  default     = null

  validation {
    condition     = var.environment_name == null || can(regex("^[a-zA-Z][0-9a-zA-Z_-]{0,79}$", coalesce(var.environment_name, "x")))
    error_message = "environment_name must start with a letter and contain only letters, digits, hyphens and underscores, at most 80 characters (MWAA's rule), e.g. \"analytics-prod-3-2\"."
  }
  validation {
    condition     = var.environment_name == null || try(var.environment_name == var.name || startswith(var.environment_name, "${var.name}-"), false)
    error_message = "environment_name must be name or start with \"<name>-\" (what the blue-green upgrade names the new environment, <name>-<major>-<minor>): the execution role trusts and the log permissions cover exactly those environments. Another name needs its own module instance."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Version and capacity (cross-checked against the class table in main.tf)
################################################################################

variable "airflow_version" {
  description = "Apache Airflow version: one MWAA offers today (airflow_versions.json, generated from the project's version table)."
  type        = string
  default     = "2.10.3"
  nullable    = false

  validation {
    condition     = contains(local.airflow_versions.offered, var.airflow_version)
    error_message = "airflow_version ${jsonencode(var.airflow_version)} is not offered by MWAA. ${contains(keys(local.airflow_versions.end_of_support), var.airflow_version) ? "It reached end of support${lookup(local.airflow_versions.end_of_support, var.airflow_version, "") == "" ? "" : " on ${lookup(local.airflow_versions.end_of_support, var.airflow_version, "")}"}: upgrade to a supported version. " : ""}${contains(local.airflow_versions.image_only, var.airflow_version) ? "It is in AWS's MWAA image repository but not offered by the MWAA API yet (the local MWAA runs it). " : ""}Use one of: ${join(", ", local.airflow_versions.offered)}."
  }
}

variable "allow_major_version_replacement" {
  description = "Let a plan replace the environment when airflow_version moves to a higher major version (hashicorp/aws plans that as destroy-and-create: the metadata database and all history are lost). Leave false and change majors in place (from 2.11.x) or blue/green with the metadata engine; see the README."
  type        = bool
  default     = false
  nullable    = false
}

variable "environment_class" {
  description = "MWAA environment class: mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge or mw1.2xlarge."
  type        = string
  default     = "mw1.small"
  nullable    = false

  validation {
    condition     = contains(["mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"], var.environment_class)
    error_message = "environment_class must be one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge."
  }
}

variable "schedulers" {
  description = "Number of schedulers. null = the class default (1 for mw1.micro, 2 otherwise). mw1.micro allows exactly 1; every other class 2-5."
  type        = number
  default     = null

  validation {
    condition     = var.schedulers == null || try(floor(var.schedulers) == var.schedulers && var.schedulers >= local.class_limits[var.environment_class].schedulers.min && var.schedulers <= local.class_limits[var.environment_class].schedulers.max, true)
    error_message = "schedulers = ${coalesce(var.schedulers, 0)} is outside what ${var.environment_class} allows: ${try(local.class_ranges[var.environment_class].schedulers, "see environment_class")} (mw1.micro runs exactly 1 scheduler; mw1.small and larger run 2-5)."
  }
}

variable "min_workers" {
  description = "Minimum number of Celery workers. null = 1. mw1.micro allows exactly 1; other classes 1 up to max_workers."
  type        = number
  default     = null

  validation {
    condition     = var.min_workers == null || try(floor(var.min_workers) == var.min_workers && var.min_workers >= 1 && var.min_workers <= local.class_limits[var.environment_class].workers.max, true)
    error_message = "min_workers = ${coalesce(var.min_workers, 0)} is outside what ${var.environment_class} allows: ${try(local.class_ranges[var.environment_class].workers, "see environment_class")} (mw1.micro has exactly 1 worker; other classes 1 up to the workers-per-environment quota, worker_quota)."
  }
}

variable "max_workers" {
  description = "Maximum number of Celery workers MWAA scales up to. null = the class default (1 for mw1.micro, 10 otherwise). mw1.micro allows exactly 1; other classes min_workers up to worker_quota (25 unless AWS raised your quota)."
  type        = number
  default     = null

  validation {
    condition     = var.max_workers == null || try(floor(var.max_workers) == var.max_workers && var.max_workers >= 1 && var.max_workers <= local.class_limits[var.environment_class].workers.max, true)
    error_message = "max_workers = ${coalesce(var.max_workers, 0)} is outside what ${var.environment_class} allows: ${try(local.class_ranges[var.environment_class].workers, "see environment_class")} (mw1.micro has exactly 1 worker; other classes up to the workers-per-environment quota, worker_quota)."
  }

  validation {
    condition     = var.max_workers == null || var.min_workers == null || try(var.max_workers >= var.min_workers, true)
    error_message = "max_workers (${coalesce(var.max_workers, 0)}) must be at least min_workers (${coalesce(var.min_workers, 0)})."
  }
}

variable "worker_quota" {
  description = "Your account's MWAA workers-per-environment quota: 25 by default; raise it only after AWS approved an increase."
  type        = number
  default     = 25
  nullable    = false

  validation {
    condition     = var.worker_quota >= 25 && floor(var.worker_quota) == var.worker_quota
    error_message = "worker_quota must be a whole number of at least 25 (the default MWAA quota)."
  }
}

variable "min_webservers" {
  description = "Minimum number of webservers (webserver autoscaling). null = the class default (1 for mw1.micro, 2 otherwise). mw1.micro allows exactly 1; other classes 2-5."
  type        = number
  default     = null

  validation {
    condition     = var.min_webservers == null || try(floor(var.min_webservers) == var.min_webservers && var.min_webservers >= local.class_limits[var.environment_class].webservers.min && var.min_webservers <= local.class_limits[var.environment_class].webservers.max, true)
    error_message = "min_webservers = ${coalesce(var.min_webservers, 0)} is outside what ${var.environment_class} allows: ${try(local.class_ranges[var.environment_class].webservers, "see environment_class")} (mw1.micro runs exactly 1 webserver; mw1.small and larger 2-5)."
  }
}

variable "max_webservers" {
  description = "Maximum number of webservers MWAA scales up to. null = the class default (1 for mw1.micro, 2 otherwise). mw1.micro allows exactly 1; other classes 2-5 and at least min_webservers."
  type        = number
  default     = null

  validation {
    condition     = var.max_webservers == null || try(floor(var.max_webservers) == var.max_webservers && var.max_webservers >= local.class_limits[var.environment_class].webservers.min && var.max_webservers <= local.class_limits[var.environment_class].webservers.max, true)
    error_message = "max_webservers = ${coalesce(var.max_webservers, 0)} is outside what ${var.environment_class} allows: ${try(local.class_ranges[var.environment_class].webservers, "see environment_class")} (mw1.micro runs exactly 1 webserver; mw1.small and larger 2-5)."
  }

  validation {
    condition     = var.max_webservers == null || try(var.max_webservers >= coalesce(var.min_webservers, local.class_limits[var.environment_class].webservers.default), true)
    error_message = "max_webservers (${coalesce(var.max_webservers, 0)}) must be at least min_webservers (${try(coalesce(var.min_webservers, local.class_limits[var.environment_class].webservers.default), "?")})."
  }
}

################################################################################
# Access, endpoints, maintenance
################################################################################

variable "webserver_access_mode" {
  description = "PRIVATE_ONLY (webserver reachable only inside the VPC) or PUBLIC_ONLY (reachable from the internet, still IAM-authenticated)."
  type        = string
  default     = "PRIVATE_ONLY"
  nullable    = false

  validation {
    condition     = contains(["PRIVATE_ONLY", "PUBLIC_ONLY"], var.webserver_access_mode)
    error_message = "webserver_access_mode must be PRIVATE_ONLY or PUBLIC_ONLY."
  }
}

variable "endpoint_management" {
  description = "SERVICE: MWAA creates its VPC endpoints. CUSTOMER: you (modules/endpoint-automation) create them; required in a shared VPC. With CUSTOMER the environment waits in PENDING until they exist."
  type        = string
  default     = "SERVICE"
  nullable    = false

  validation {
    condition     = contains(["SERVICE", "CUSTOMER"], var.endpoint_management)
    error_message = "endpoint_management must be SERVICE or CUSTOMER."
  }
}

variable "weekly_maintenance_window_start" {
  description = "Start of the weekly maintenance window in UTC, DAY:HH:MM in 30-minute steps, e.g. \"SUN:03:30\". null = MWAA picks one."
  type        = string
  default     = null

  validation {
    condition     = var.weekly_maintenance_window_start == null || can(regex("^(MON|TUE|WED|THU|FRI|SAT|SUN):([01][0-9]|2[0-3]):(00|30)$", var.weekly_maintenance_window_start))
    error_message = "weekly_maintenance_window_start must look like \"SUN:03:30\": a three-letter day, a 24-hour UTC hour and minutes 00 or 30."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the environment (in a shared VPC: the owner's VPC id). Required when create = true."
  type        = string
  default     = null

  validation {
    condition     = !var.create || var.vpc_id != null
    error_message = "vpc_id is required when create = true: the environment's security group lives in that VPC."
  }

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Exactly two private subnets in different Availability Zones (MWAA's requirement). Required when create = true."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = !var.create || length(var.subnet_ids) == 2
    error_message = "subnet_ids must list exactly two private subnets (in different Availability Zones) when create = true."
  }

  validation {
    condition     = length(var.subnet_ids) == 0 || (length(var.subnet_ids) == 2 && length(distinct(var.subnet_ids)) == 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))]))
    error_message = "subnet_ids must list exactly two distinct subnet ids (subnet-...) in different Availability Zones: MWAA runs in two private subnets."
  }
}

variable "additional_security_group_ids" {
  description = "Security groups attached besides the module's own self-referencing group (at most 4 more: MWAA takes 5)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.additional_security_group_ids) <= 4 && alltrue([for s in var.additional_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "additional_security_group_ids takes at most 4 ids of the form sg-0123456789abcdef0 (MWAA accepts 5 groups including the module's own)."
  }
}

variable "https_egress_cidr_blocks" {
  description = "Where the environment may open HTTPS (443) connections: AWS APIs through endpoints or NAT. Traffic among the environment's own containers and to its database endpoint is covered by the self-referencing rule."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition     = alltrue([for c in var.https_egress_cidr_blocks : can(cidrnetmask(c))])
    error_message = "https_egress_cidr_blocks must be IPv4 CIDR blocks such as \"10.0.0.0/16\"."
  }
}

################################################################################
# Source bucket and its objects
################################################################################

variable "source_bucket" {
  description = <<-EOT
    The S3 bucket MWAA reads DAGs, requirements, plugins and the startup script from.
    create = true: a hardened bucket (versioning, public access block, TLS-only policy, SSE-KMS, access logs if
    access_log_bucket is set) named `name` or `airflow-<environment name>-<account id>-<region>`.
    create = false: bring your own via `arn` (it must be versioned and block public access, as MWAA requires);
    `kms_key_arn` is the key that bucket's objects are encrypted with when it is not the environment's (for
    example a replicated DR bucket's key): uploads use it and the execution role may decrypt with it through S3.
  EOT
  type = object({
    create            = optional(bool, true)
    name              = optional(string)
    arn               = optional(string)
    kms_key_arn       = optional(string)
    force_destroy     = optional(bool, false)
    access_log_bucket = optional(string)
    access_log_prefix = optional(string, "s3-access/")
    noncurrent_days   = optional(number, 90)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.source_bucket.create || (var.source_bucket.arn != null && can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.source_bucket.arn, "-"))))
    error_message = "With source_bucket.create = false, set source_bucket.arn to an existing bucket ARN such as \"arn:aws:s3:::airflow-my-dags\"."
  }

  validation {
    condition     = var.source_bucket.kms_key_arn == null || (!var.source_bucket.create && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[0-9a-f-]{32,36}$", coalesce(var.source_bucket.kms_key_arn, "-"))))
    error_message = "source_bucket.kms_key_arn is for a bucket you bring (create = false) and must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias; a created bucket uses the environment's key."
  }

  validation {
    condition     = var.source_bucket.name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.source_bucket.name, "-")))
    error_message = "source_bucket.name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens."
  }

  validation {
    condition     = var.source_bucket.noncurrent_days >= 1
    error_message = "source_bucket.noncurrent_days must be at least 1 (days old object versions are kept)."
  }
}

variable "dag_s3_path" {
  description = "Relative path of the DAG folder in the source bucket."
  type        = string
  default     = "dags"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/?$", var.dag_s3_path))
    error_message = "dag_s3_path must be a relative S3 prefix such as \"dags\" (no leading slash, no s3:// URL)."
  }
}

variable "dags_source_dir" {
  description = "Optional local directory whose files are uploaded under dag_s3_path (for small setups; large DAG sets belong in CI)."
  type        = string
  default     = null
}

variable "requirements" {
  description = "requirements.txt: `source` = local file the module uploads (its new S3 version reaches the environment on the next apply), or `object_version` of an object you manage at `s3_path`. null = none."
  type = object({
    source         = optional(string)
    s3_path        = optional(string, "requirements.txt")
    object_version = optional(string)
  })
  default = null

  validation {
    condition     = var.requirements == null || try((var.requirements.source == null) != (var.requirements.object_version == null), false)
    error_message = "requirements needs exactly one of source (a local file to upload) or object_version (of an object you upload yourself)."
  }
}

variable "plugins" {
  description = "plugins.zip: `source` = local zip the module uploads, or `object_version` of an object you manage at `s3_path`. null = none."
  type = object({
    source         = optional(string)
    s3_path        = optional(string, "plugins.zip")
    object_version = optional(string)
  })
  default = null

  validation {
    condition     = var.plugins == null || try((var.plugins.source == null) != (var.plugins.object_version == null), false)
    error_message = "plugins needs exactly one of source (a local zip to upload) or object_version (of an object you upload yourself)."
  }
}

variable "startup_script" {
  description = "Startup shell script: `source` = local file the module uploads, or `object_version` of an object you manage at `s3_path`. null = none."
  type = object({
    source         = optional(string)
    s3_path        = optional(string, "startup.sh")
    object_version = optional(string)
  })
  default = null

  validation {
    condition     = var.startup_script == null || try((var.startup_script.source == null) != (var.startup_script.object_version == null), false)
    error_message = "startup_script needs exactly one of source (a local script to upload) or object_version (of an object you upload yourself)."
  }
}

################################################################################
# Encryption, logging
################################################################################

variable "kms" {
  description = "Encryption key for the environment, bucket and log groups. create = true: a customer managed key with rotation. create = false: `key_arn` of your key, or null for AWS owned keys (bucket then uses SSE-KMS with the aws/s3 key)."
  type = object({
    create                  = optional(bool, true)
    key_arn                 = optional(string)
    deletion_window_in_days = optional(number, 30)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.kms.key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", coalesce(var.kms.key_arn, "-")))
    error_message = "kms.key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias."
  }

  validation {
    condition     = !(var.kms.create && var.kms.key_arn != null)
    error_message = "Set either kms.create = true or kms.key_arn, not both."
  }
}

variable "logging" {
  description = "Which Airflow logs go to CloudWatch and at which level (CRITICAL, ERROR, WARNING, INFO, DEBUG)."
  type = object({
    dag_processing = optional(object({ enabled = optional(bool, true), level = optional(string, "WARNING") }), {})
    scheduler      = optional(object({ enabled = optional(bool, true), level = optional(string, "WARNING") }), {})
    task           = optional(object({ enabled = optional(bool, true), level = optional(string, "INFO") }), {})
    webserver      = optional(object({ enabled = optional(bool, true), level = optional(string, "WARNING") }), {})
    worker         = optional(object({ enabled = optional(bool, true), level = optional(string, "WARNING") }), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k, v in var.logging : contains(["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"], v.level)])
    error_message = "Every logging.<type>.level must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the environment's CloudWatch log groups (the module pre-creates them with this retention and the KMS key)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

################################################################################
# Execution role
################################################################################

variable "execution_role" {
  description = <<-EOT
    create = true: a role scoped to this environment's bucket, log groups, Celery queue and KMS key, trusted only by
    airflow.amazonaws.com and airflow-env.amazonaws.com for this environment. `extra_statements` add permissions for
    your DAGs (no "*" or "<service>:*" actions). create = false: bring your own via `arn`.
  EOT
  type = object({
    create               = optional(bool, true)
    arn                  = optional(string)
    permissions_boundary = optional(string)
    managed_policy_arns  = optional(list(string), [])
    extra_statements = optional(list(object({
      sid       = optional(string)
      effect    = optional(string, "Allow")
      actions   = list(string)
      resources = list(string)
      conditions = optional(list(object({
        test     = string
        variable = string
        values   = list(string)
      })), [])
    })), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.execution_role.create || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", coalesce(var.execution_role.arn, "-")))
    error_message = "With execution_role.create = false, set execution_role.arn to an IAM role ARN."
  }

  validation {
    condition     = alltrue(flatten([for s in var.execution_role.extra_statements : [for a in s.actions : a != "*" && !endswith(a, ":*")]]))
    error_message = "execution_role.extra_statements must not use \"*\" or \"<service>:*\" actions: list the actions your DAGs need."
  }

  validation {
    condition     = alltrue([for s in var.execution_role.extra_statements : contains(["Allow", "Deny"], s.effect) && length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Each execution_role.extra_statements entry needs effect Allow or Deny, at least one action and at least one resource."
  }
}

variable "celery_executor_queue_arn" {
  description = "The environment's Celery SQS queue ARN once known (GetEnvironment CeleryExecutorQueue; provider 5.100 does not expose it). Set it to narrow the execution role from airflow-celery-* in this region to exactly this queue."
  type        = string
  default     = null

  validation {
    condition     = var.celery_executor_queue_arn == null || can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:airflow-celery-[A-Za-z0-9_-]+$", coalesce(var.celery_executor_queue_arn, "-")))
    error_message = "celery_executor_queue_arn must be an MWAA Celery queue ARN: arn:aws:sqs:<region>:<account>:airflow-celery-<id>."
  }
}

################################################################################
# Airflow configuration
################################################################################

variable "airflow_configuration_presets" {
  description = <<-EOT
    Documented presets rendered into airflow_configuration_options (see README):
    secrets_manager: Secrets Manager backend with connection/variable/config prefixes (the role may read exactly those prefixes);
    secrets_cache: secrets.use_cache / cache_ttl_seconds; task_queued_timeout_seconds: scheduler.task_queued_timeout;
    triggerer_capacity: triggers per triggerer; worker_autoscale: celery.worker_autoscale (tasks per worker).
  EOT
  type = object({
    secrets_manager = optional(object({
      connections_prefix = optional(string, "airflow/connections")
      variables_prefix   = optional(string, "airflow/variables")
      config_prefix      = optional(string)
    }))
    secrets_cache = optional(object({
      enabled     = optional(bool, true)
      ttl_seconds = optional(number, 900)
    }))
    task_queued_timeout_seconds = optional(number)
    triggerer_capacity          = optional(number)
    worker_autoscale = optional(object({
      max_tasks = number
      min_tasks = number
    }))
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.airflow_configuration_presets.worker_autoscale == null || try(var.airflow_configuration_presets.worker_autoscale.max_tasks >= var.airflow_configuration_presets.worker_autoscale.min_tasks && var.airflow_configuration_presets.worker_autoscale.min_tasks >= 1, false)
    error_message = "worker_autoscale needs 1 <= min_tasks <= max_tasks."
  }

  validation {
    condition     = try(var.airflow_configuration_presets.task_queued_timeout_seconds == null || var.airflow_configuration_presets.task_queued_timeout_seconds >= 60, true)
    error_message = "task_queued_timeout_seconds must be at least 60 (shorter timeouts fail tasks that simply wait for a worker)."
  }

  validation {
    condition     = try(var.airflow_configuration_presets.triggerer_capacity == null || (var.airflow_configuration_presets.triggerer_capacity >= 1 && var.airflow_configuration_presets.triggerer_capacity <= 1000), true)
    error_message = "triggerer_capacity must be 1-1000 triggers per triggerer."
  }

  validation {
    condition     = var.airflow_configuration_presets.secrets_manager == null || try(alltrue([for p in compact([var.airflow_configuration_presets.secrets_manager.connections_prefix, var.airflow_configuration_presets.secrets_manager.variables_prefix, var.airflow_configuration_presets.secrets_manager.config_prefix]) : can(regex("^[A-Za-z0-9/_+=.@-]+$", p)) && !endswith(p, "/")]), false)
    error_message = "secrets_manager prefixes must be secret-name prefixes such as \"airflow/connections\" (letters, digits, /_+=.@-, no trailing slash)."
  }

  validation {
    condition     = try(var.airflow_configuration_presets.secrets_cache.ttl_seconds >= 1, true)
    error_message = "secrets_cache.ttl_seconds must be at least 1."
  }
}

variable "airflow_configuration_options" {
  description = "Extra Airflow configuration options (\"section.key\" = \"value\"); they override the presets. Sensitive: options may hold secrets (smtp passwords, secrets backend kwargs)."
  type        = map(string)
  default     = {}
  nullable    = false
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.airflow_configuration_options) : can(regex("^[a-z0-9_]+\\.[a-z0-9_]+$", k))])
    error_message = "airflow_configuration_options keys must be \"section.option\" in lowercase, e.g. \"core.default_task_retries\"."
  }
}

variable "timeouts" {
  description = "How long Terraform waits for the environment (creating with CUSTOMER endpoints includes the PENDING wait)."
  type = object({
    create = optional(string, "2h")
    update = optional(string, "2h")
    delete = optional(string, "1h")
  })
  default  = {}
  nullable = false
}
