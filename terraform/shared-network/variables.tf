variable "region" {
  description = "The region this workspace manages (set by scripts/tf.sh from REGION; the workspace has the same name)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as \"us-east-1\"."
  }

  validation {
    condition     = contains(keys(var.networks), var.region)
    error_message = "networks has no entry for this region: add one to terraform/envs/<ENV>.shared-network.tfvars, e.g. networks = { \"us-east-1\" = { vpc_cidr = \"10.30.0.0/16\" } }."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, local): prefixes resource names and tags every resource."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "environment must be 2-12 lowercase letters/digits starting with a letter, e.g. \"prod\"."
  }
}

variable "networks" {
  description = "Per-region shared network, keyed by region name: vpc_cidr, az_count (2-3), egress_mode (nat | endpoints), public_subnets, single_nat_gateway, flow log retention."
  type = map(object({
    vpc_cidr                = string
    az_count                = optional(number, 2)
    egress_mode             = optional(string, "endpoints")
    public_subnets          = optional(bool, false)
    single_nat_gateway      = optional(bool, true)
    flow_log_retention_days = optional(number, 365)
  }))
  nullable = false
}

variable "participants" {
  description = "Who places MWAA in the shared subnets: account_ids (12 digits; their MWAA status events are admitted to the owner's bus and their principals to the VPC endpoints), optional organization_unit_arns (added to the RAM share only), allow_external_principals (accounts outside the organization must accept a RAM invitation)."
  type = object({
    account_ids               = list(string)
    organization_unit_arns    = optional(list(string), [])
    allow_external_principals = optional(bool, false)
  })
  nullable = false

  validation {
    condition     = length(var.participants.account_ids) >= 1 && alltrue([for a in var.participants.account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "participants.account_ids must list at least one 12-digit account id, e.g. [\"444455556666\"]: the owner's event bus admits forwarded MWAA events only from these accounts."
  }

  validation {
    condition     = length(distinct(var.participants.account_ids)) == length(var.participants.account_ids)
    error_message = "participants.account_ids must not repeat an account."
  }

  validation {
    condition     = alltrue([for ou in var.participants.organization_unit_arns : can(regex("^arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$", ou))])
    error_message = "participants.organization_unit_arns must be OU ARNs such as \"arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56\"."
  }
}

variable "tags" {
  description = "Extra tags for every resource (the stack adds environment, component and managed-by)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "lambda_zip_dir" {
  description = "Directory holding the Lambda zips built by `make package` (scripts/package_lambdas.py)."
  type        = string
  default     = "../../build/lambda"
  nullable    = false
}

variable "endpoint_automation_log_level" {
  description = "Log level of the endpoint automation Lambda: DEBUG, INFO, WARNING or ERROR."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.endpoint_automation_log_level)
    error_message = "endpoint_automation_log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}
