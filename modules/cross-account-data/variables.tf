variable "create" {
  description = "Create the module's resources. false creates nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name prefix for every resource. Buckets are named <name>-<purpose>-<account id> unless set explicitly."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of a-z, 0-9 and '-', start with a letter and end with a letter or digit, e.g. \"sales-etl\"."
  }
}

variable "tags" {
  description = "Tags added to every resource that supports tags (in both accounts)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "producer" {
  description = "Account A (provider aws.producer): the input and output buckets, their KMS keys, the access-log bucket and RoleA that Redshift chains into to UNLOAD."
  type = object({
    input_bucket_name                  = optional(string)
    output_bucket_name                 = optional(string)
    log_bucket_name                    = optional(string)
    input_prefix                       = optional(string, "raw/")
    output_prefix                      = optional(string, "unload/")
    force_destroy                      = optional(bool, false)
    noncurrent_version_expiration_days = optional(number, 90)
    log_expiration_days                = optional(number, 365)
    kms_deletion_window_in_days        = optional(number, 30)
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for b in [var.producer.input_bucket_name, var.producer.output_bucket_name, var.producer.log_bucket_name] :
      b == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))
    ])
    error_message = "producer bucket names must be 3-63 characters of a-z, 0-9, '.' and '-' (S3 naming rules); leave them unset to get <name>-<purpose>-<account id>."
  }

  validation {
    condition = alltrue([
      for p in [var.producer.input_prefix, var.producer.output_prefix] : can(regex("^([A-Za-z0-9_.=-]+/)+$", p))
    ])
    error_message = "producer.input_prefix and producer.output_prefix must be hive-style key prefixes such as \"raw/\" or \"sales/raw/\": no leading '/', ending with '/'."
  }

  validation {
    condition     = var.producer.input_prefix != var.producer.output_prefix
    error_message = "producer.input_prefix and producer.output_prefix must differ so the consumers' read grant never covers the UNLOAD output."
  }

  validation {
    condition     = var.producer.noncurrent_version_expiration_days >= 1 && var.producer.log_expiration_days >= 1
    error_message = "producer.noncurrent_version_expiration_days and producer.log_expiration_days must be at least 1."
  }

  validation {
    condition     = var.producer.kms_deletion_window_in_days >= 7 && var.producer.kms_deletion_window_in_days <= 30
    error_message = "producer.kms_deletion_window_in_days must be between 7 and 30 (the KMS limits)."
  }
}

variable "consumer" {
  description = "Account B (provider aws.consumer): the MWAA execution role that runs the pipeline (and optionally its security group, to add an egress rule to Redshift; a separate bool so the count is known at plan), the staging bucket (Glue script, curated data, Glue temp), its KMS key and log bucket."
  type = object({
    mwaa_execution_role_arn            = string
    mwaa_security_group_id             = optional(string)
    add_mwaa_egress_rule               = optional(bool, false)
    staging_bucket_name                = optional(string)
    log_bucket_name                    = optional(string)
    force_destroy                      = optional(bool, false)
    noncurrent_version_expiration_days = optional(number, 90)
    log_expiration_days                = optional(number, 365)
    kms_deletion_window_in_days        = optional(number, 30)
    secret_recovery_window_in_days     = optional(number, 7)
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$", var.consumer.mwaa_execution_role_arn))
    error_message = "consumer.mwaa_execution_role_arn must be an IAM role ARN such as arn:aws:iam::222222222222:role/mwaa-prod-execution (use the mwaa-environment module's execution_role_arn output)."
  }

  validation {
    condition     = var.consumer.mwaa_security_group_id == null ? true : can(regex("^sg-[0-9a-f]{8,17}$", var.consumer.mwaa_security_group_id))
    error_message = "consumer.mwaa_security_group_id must be a security group id (sg-...) or null."
  }

  validation {
    condition     = !var.consumer.add_mwaa_egress_rule || var.consumer.mwaa_security_group_id != null
    error_message = "consumer.add_mwaa_egress_rule needs consumer.mwaa_security_group_id (the MWAA environment's security group)."
  }

  validation {
    condition = alltrue([
      for b in [var.consumer.staging_bucket_name, var.consumer.log_bucket_name] :
      b == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))
    ])
    error_message = "consumer bucket names must be 3-63 characters of a-z, 0-9, '.' and '-' (S3 naming rules); leave them unset to get <name>-<purpose>-<account id>."
  }

  validation {
    condition     = var.consumer.noncurrent_version_expiration_days >= 1 && var.consumer.log_expiration_days >= 1
    error_message = "consumer.noncurrent_version_expiration_days and consumer.log_expiration_days must be at least 1."
  }

  validation {
    condition     = var.consumer.kms_deletion_window_in_days >= 7 && var.consumer.kms_deletion_window_in_days <= 30
    error_message = "consumer.kms_deletion_window_in_days must be between 7 and 30 (the KMS limits)."
  }

  validation {
    condition     = var.consumer.secret_recovery_window_in_days == 0 || (var.consumer.secret_recovery_window_in_days >= 7 && var.consumer.secret_recovery_window_in_days <= 30)
    error_message = "consumer.secret_recovery_window_in_days must be 0 (delete at once, for test stacks) or 7-30 (the Secrets Manager limits)."
  }
}

variable "airflow" {
  description = "Where the MWAA environment's Secrets Manager backend finds this pipeline's connections and variable, and their ids."
  type = object({
    connections_prefix = optional(string, "airflow/connections")
    variables_prefix   = optional(string, "airflow/variables")
    pipeline_variable  = optional(string, "data_pipeline")
    redshift_conn_id   = optional(string, "redshift_default")
    unload_conn_id     = optional(string, "redshift_unload_role_chain")
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for p in [var.airflow.connections_prefix, var.airflow.variables_prefix] : can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", p))
    ])
    error_message = "airflow.connections_prefix and airflow.variables_prefix must be secret-name prefixes without leading or trailing '/', e.g. \"airflow/connections\"."
  }

  validation {
    condition     = var.airflow.connections_prefix != var.airflow.variables_prefix
    error_message = "airflow.connections_prefix and airflow.variables_prefix must differ (Airflow looks connections and variables up separately)."
  }

  validation {
    condition = alltrue([
      for id in [var.airflow.pipeline_variable, var.airflow.redshift_conn_id, var.airflow.unload_conn_id] : can(regex("^[A-Za-z0-9_.-]{1,200}$", id))
    ])
    error_message = "airflow ids (pipeline_variable, redshift_conn_id, unload_conn_id) must be 1-200 characters of letters, digits, '_', '.' and '-'."
  }
}

variable "glue" {
  description = "The Glue database, the crawler over the input prefix and the transform job (script uploaded from script_path, default glue/transform.py in this module)."
  type = object({
    database_name     = optional(string)
    table_prefix      = optional(string, "input_")
    crawler_schedule  = optional(string)
    script_path       = optional(string)
    glue_version      = optional(string, "4.0")
    worker_type       = optional(string, "G.1X")
    number_of_workers = optional(number, 2)
    timeout_minutes   = optional(number, 60)
    max_retries       = optional(number, 0)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.glue.database_name == null ? true : can(regex("^[a-z0-9_]{1,255}$", var.glue.database_name))
    error_message = "glue.database_name must be lower-case letters, digits and '_' (Glue lower-cases names; Redshift and Athena need no quoting)."
  }

  validation {
    condition     = can(regex("^[a-z0-9_]{0,64}$", var.glue.table_prefix))
    error_message = "glue.table_prefix must be up to 64 lower-case letters, digits and '_' (it prefixes the crawled table name)."
  }

  validation {
    condition     = var.glue.crawler_schedule == null ? true : can(regex("^cron\\(.+\\)$", var.glue.crawler_schedule))
    error_message = "glue.crawler_schedule must be null (the DAG starts the crawler) or a Glue cron expression such as \"cron(15 2 * * ? *)\"."
  }

  validation {
    condition     = contains(["3.0", "4.0", "5.0"], var.glue.glue_version)
    error_message = "glue.glue_version must be one of 3.0, 4.0, 5.0."
  }

  validation {
    condition     = contains(["G.1X", "G.2X", "G.4X", "G.8X"], var.glue.worker_type)
    error_message = "glue.worker_type must be one of G.1X, G.2X, G.4X, G.8X (Spark jobs)."
  }

  validation {
    condition     = var.glue.number_of_workers >= 2 && var.glue.number_of_workers <= 299 && floor(var.glue.number_of_workers) == var.glue.number_of_workers
    error_message = "glue.number_of_workers must be a whole number from 2 to 299 (Glue Spark jobs need a driver and at least one executor)."
  }

  validation {
    condition     = var.glue.timeout_minutes >= 1 && var.glue.timeout_minutes <= 2880 && var.glue.max_retries >= 0 && var.glue.max_retries <= 10
    error_message = "glue.timeout_minutes must be 1-2880 and glue.max_retries 0-10."
  }
}

variable "enable_redshift_serverless" {
  description = "Create the Redshift Serverless namespace, workgroup, its security group and the SQL setup (schema, tables, stored procedure). ENV=local sets false: the emulator has no Redshift Serverless. Roles, buckets, Glue, peering and endpoints are created either way."
  type        = bool
  default     = true
  nullable    = false
}

variable "redshift" {
  description = "Redshift Serverless in account B: namespace (admin password managed by Redshift in Secrets Manager, encrypted with the consumer key) and workgroup in the Redshift VPC's private subnets."
  type = object({
    namespace_name = optional(string)
    workgroup_name = optional(string)
    database_name  = optional(string, "dev")
    admin_username = optional(string, "etl_admin")
    schema_name    = optional(string, "etl")
    base_capacity  = optional(number, 8)
    max_capacity   = optional(number)
    port           = optional(number, 5439)
    log_exports    = optional(list(string), ["connectionlog", "userlog", "useractivitylog"])
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for n in [var.redshift.namespace_name, var.redshift.workgroup_name] : n == null ? true : can(regex("^[a-z0-9-]{3,64}$", n))
    ])
    error_message = "redshift.namespace_name and redshift.workgroup_name must be 3-64 characters of a-z, 0-9 and '-'."
  }

  validation {
    condition = alltrue([
      for n in [var.redshift.database_name, var.redshift.admin_username, var.redshift.schema_name] : can(regex("^[a-z_][a-z0-9_]{0,62}$", n))
    ])
    error_message = "redshift.database_name, admin_username and schema_name must start with a-z or '_' and contain only a-z, 0-9, '_' (max 63), so the SQL needs no quoting."
  }

  validation {
    condition     = !contains(["admin", "rdsadmin", "rdsdb", "public", "postgres", "root"], var.redshift.admin_username)
    error_message = "redshift.admin_username must not be a reserved name (admin, rdsadmin, rdsdb, public, postgres, root); use e.g. \"etl_admin\"."
  }

  validation {
    condition     = var.redshift.base_capacity >= 8 && var.redshift.base_capacity <= 1024 && var.redshift.base_capacity % 8 == 0
    error_message = "redshift.base_capacity must be 8-1024 RPUs in steps of 8."
  }

  validation {
    condition     = var.redshift.max_capacity == null ? true : (var.redshift.max_capacity >= var.redshift.base_capacity && var.redshift.max_capacity <= 5632 && var.redshift.max_capacity % 8 == 0)
    error_message = "redshift.max_capacity must be null or a multiple of 8 between base_capacity and 5632."
  }

  validation {
    condition     = (var.redshift.port >= 5431 && var.redshift.port <= 5455) || (var.redshift.port >= 8191 && var.redshift.port <= 8215)
    error_message = "redshift.port must be in 5431-5455 or 8191-8215 (the ports Redshift Serverless accepts); the default is 5439."
  }

  validation {
    condition     = alltrue([for l in var.redshift.log_exports : contains(["connectionlog", "userlog", "useractivitylog"], l)]) && length(var.redshift.log_exports) > 0
    error_message = "redshift.log_exports must be a non-empty list of connectionlog, userlog, useractivitylog."
  }
}

variable "network" {
  description = "Account B networking: the MWAA VPC and the Redshift VPC (ids, CIDRs, private route tables and subnets, e.g. from the network module), peered with routes both ways; an S3 gateway endpoint in the Redshift VPC and a Secrets Manager interface endpoint in the MWAA VPC."
  type = object({
    mwaa_vpc = object({
      id              = string
      cidr_block      = string
      route_table_ids = list(string)
      subnet_ids      = list(string)
    })
    redshift_vpc = object({
      id              = string
      cidr_block      = string
      route_table_ids = list(string)
      subnet_ids      = list(string)
    })
    create_peering                 = optional(bool, true)
    create_s3_gateway_endpoint     = optional(bool, true)
    create_secretsmanager_endpoint = optional(bool, true)
  })
  nullable = false

  validation {
    condition     = can(cidrhost(var.network.mwaa_vpc.cidr_block, 0)) && can(cidrhost(var.network.redshift_vpc.cidr_block, 0))
    error_message = "network.mwaa_vpc.cidr_block and network.redshift_vpc.cidr_block must be IPv4 CIDR blocks such as 10.10.0.0/16."
  }

  validation {
    # Two blocks overlap exactly when they are equal once both are cut to the shorter prefix. An invalid
    # CIDR makes this try() true: the rule above reports it.
    condition = try(
      cidrhost(format("%s/%d", cidrhost(var.network.mwaa_vpc.cidr_block, 0), min(tonumber(split("/", var.network.mwaa_vpc.cidr_block)[1]), tonumber(split("/", var.network.redshift_vpc.cidr_block)[1]))), 0) !=
      cidrhost(format("%s/%d", cidrhost(var.network.redshift_vpc.cidr_block, 0), min(tonumber(split("/", var.network.mwaa_vpc.cidr_block)[1]), tonumber(split("/", var.network.redshift_vpc.cidr_block)[1]))), 0),
      true
    )
    error_message = "network.mwaa_vpc.cidr_block and network.redshift_vpc.cidr_block overlap; VPC peering needs disjoint CIDRs (e.g. 10.10.0.0/16 and 10.20.0.0/16)."
  }

  validation {
    condition     = var.network.mwaa_vpc.id != var.network.redshift_vpc.id
    error_message = "network.mwaa_vpc.id and network.redshift_vpc.id must be two different VPCs (this module peers them)."
  }

  validation {
    condition     = !var.create || !var.network.create_peering || (length(var.network.mwaa_vpc.route_table_ids) > 0 && length(var.network.redshift_vpc.route_table_ids) > 0)
    error_message = "create_peering needs at least one route table id in network.mwaa_vpc.route_table_ids and in network.redshift_vpc.route_table_ids (the private route tables) for the routes both ways."
  }

  validation {
    condition     = !var.create || !var.network.create_s3_gateway_endpoint || length(var.network.redshift_vpc.route_table_ids) > 0
    error_message = "create_s3_gateway_endpoint needs network.redshift_vpc.route_table_ids (the gateway endpoint is a route in those tables)."
  }

  validation {
    condition     = !var.create || !var.network.create_secretsmanager_endpoint || length(var.network.mwaa_vpc.subnet_ids) >= 1
    error_message = "create_secretsmanager_endpoint needs network.mwaa_vpc.subnet_ids (the MWAA private subnets, one per AZ)."
  }

  validation {
    condition     = !var.create || !var.enable_redshift_serverless || length(distinct(var.network.redshift_vpc.subnet_ids)) >= 3
    error_message = "Redshift Serverless needs at least 3 private subnets in 3 different AZs in network.redshift_vpc.subnet_ids (or set enable_redshift_serverless = false)."
  }
}
