variable "cross_account_data" {
  description = <<-EOT
    The cross-account data pipeline (modules/cross-account-data) for the primary's environment: raw data in a
    producer account A (input and output buckets, their keys, the UNLOAD role), Glue and Redshift Serverless here
    in account B, wired to the environment's execution role, security group, VPC and route tables; the environment
    gets the Secrets Manager backend for the pipeline's variable and connections. producer_role_arn: the role
    Terraform assumes in account A (null: account A is this account). redshift_network: the Redshift VPC this
    stack builds (modules/network, 3 AZs, one NAT gateway; its CIDR must not overlap the MWAA VPC's).
    enable_redshift_serverless = false (ENV=local: the emulator has none) keeps everything but Redshift.
    Primary only: buckets, Glue and Redshift are one pipeline, not replicated.
  EOT
  type = object({
    enabled                    = optional(bool, false)
    producer_role_arn          = optional(string)
    enable_redshift_serverless = optional(bool, true)
    input_prefix               = optional(string)
    output_prefix              = optional(string)
    redshift_network = optional(object({
      vpc_cidr                = string
      az_count                = optional(number, 3)
      flow_log_retention_days = optional(number, 365)
    }))
    redshift = optional(object({
      database_name = optional(string)
      schema_name   = optional(string)
      base_capacity = optional(number)
      max_capacity  = optional(number)
    }), {})
    glue = optional(object({
      crawler_schedule  = optional(string)
      worker_type       = optional(string)
      number_of_workers = optional(number)
      timeout_minutes   = optional(number)
    }), {})
    force_destroy                  = optional(bool, false)
    secret_recovery_window_in_days = optional(number, 7)
  })
  default  = {}
  nullable = false

  validation {
    condition     = !var.cross_account_data.enabled || var.mwaa.enabled
    error_message = "cross_account_data.enabled = true runs the pipeline as this stack's MWAA execution role, and mwaa.enabled is false: set mwaa.enabled = true, or cross_account_data = { enabled = false }."
  }

  validation {
    condition     = !var.cross_account_data.enabled || contains(keys(var.networks), var.primary_region)
    error_message = "cross_account_data needs this stack's own VPC in primary_region (networks[\"<primary_region>\"]): the Redshift VPC is peered with it through its route tables, which a shared-VPC participant does not own."
  }

  validation {
    condition     = !var.cross_account_data.enabled || var.cross_account_data.redshift_network != null
    error_message = "cross_account_data.enabled = true needs redshift_network = { vpc_cidr = \"10.30.0.0/16\" }: the VPC Redshift Serverless runs in, peered with the MWAA VPC (a CIDR that overlaps neither network)."
  }

  validation {
    condition     = var.cross_account_data.redshift_network == null || try(var.cross_account_data.redshift_network.az_count >= 3 && var.cross_account_data.redshift_network.az_count <= 3, false)
    error_message = "cross_account_data.redshift_network.az_count must be 3: Redshift Serverless needs subnets in three Availability Zones (modules/network builds at most 3)."
  }

  validation {
    condition     = var.cross_account_data.producer_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", coalesce(var.cross_account_data.producer_role_arn, "-")))
    error_message = "cross_account_data.producer_role_arn must be the IAM role Terraform assumes in the producer account, e.g. \"arn:aws:iam::111111111111:role/terraform-data-producer\" (or null when the data lives in this account)."
  }
}
