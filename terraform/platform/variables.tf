variable "region" {
  description = "The region this workspace manages (set by scripts/tf.sh from REGION; the workspace has the same name)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as \"us-east-1\"."
  }

  validation {
    condition     = !(contains(keys(var.networks), var.region) && contains(keys(var.shared_vpcs), var.region))
    error_message = "This region is in both networks (this account builds its VPC) and shared_vpcs (it uses the VPC owner's): remove it from one of them."
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

variable "primary_region" {
  description = "The region that runs Airflow in normal operation."
  type        = string
  nullable    = false
}

variable "secondary_region" {
  description = "The DR region: replica buckets, failover control plane, and the standby environment."
  type        = string
  nullable    = false

  validation {
    condition     = var.secondary_region != var.primary_region
    error_message = "secondary_region must differ from primary_region: DR needs a second region."
  }

  validation {
    condition     = contains([var.primary_region, var.secondary_region], var.region)
    error_message = "This workspace's region is neither primary_region nor secondary_region in the tfvars: run with REGION set to one of them."
  }
}

variable "dr_mode" {
  description = "Disaster-recovery strategy: backup_restore (recreate the environment in the secondary on failover) or warm_standby (a paused twin is kept in the secondary)."
  type        = string
  default     = "warm_standby"
  nullable    = false

  validation {
    condition     = contains(["backup_restore", "warm_standby"], var.dr_mode)
    error_message = "dr_mode must be \"backup_restore\" or \"warm_standby\"."
  }
}

variable "networks" {
  description = "Per-region network settings, keyed by region name: vpc_cidr, az_count (2-3), egress_mode (nat | endpoints), public_subnets, single_nat_gateway, flow log retention."
  type = map(object({
    vpc_cidr                = string
    az_count                = optional(number, 2)
    egress_mode             = optional(string, "endpoints")
    public_subnets          = optional(bool, false)
    single_nat_gateway      = optional(bool, true)
    flow_log_retention_days = optional(number, 365)
  }))
  nullable = false

  validation {
    condition     = length(var.networks) > 0 || length(var.shared_vpcs) > 0
    error_message = "networks (or, for a shared-VPC participant, shared_vpcs) needs an entry for each region this stack is applied in, e.g. { \"us-east-1\" = { vpc_cidr = \"10.10.0.0/16\" } }; a participant sets shared_vpcs from the owner's terraform/shared-network output `participant`."
  }
}

variable "tags" {
  description = "Extra tags for every resource (the stack adds environment, region role and managed-by)."
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

variable "mwaa" {
  description = "The MWAA environment of this stack (named mwaa-<environment> in both regions). Capacity limits per class are validated by modules/mwaa-environment."
  type = object({
    enabled                         = optional(bool, true)
    airflow_version                 = optional(string, "2.10.3")
    allow_major_version_replacement = optional(bool, false)
    environment_class               = optional(string, "mw1.small")
    schedulers                      = optional(number)
    min_workers                     = optional(number)
    max_workers                     = optional(number)
    min_webservers                  = optional(number)
    max_webservers                  = optional(number)
    webserver_access_mode           = optional(string, "PRIVATE_ONLY")
    endpoint_management             = optional(string, "CUSTOMER")
    dags_source_dir                 = optional(string)
    requirements_file               = optional(string)
    force_destroy_bucket            = optional(bool, false)
    airflow_configuration_options   = optional(map(string), {})
    # a region upgraded before the other (keyed by region; the other region keeps airflow_version)
    airflow_version_by_region = optional(map(string), {})
    # after a blue-green upgrade: the new environment's name (mwaa-<environment>-<major>-<minor>), adopted with
    # `make adopt`; the bucket, role, key and security group keep the mwaa-<environment> prefix. By region when
    # one region moved first.
    environment_name           = optional(string)
    environment_name_by_region = optional(map(string), {})
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([for n in concat(compact([var.mwaa.environment_name]), values(var.mwaa.environment_name_by_region)) :
    n == "mwaa-${var.environment}" || startswith(n, "mwaa-${var.environment}-")])
    error_message = "mwaa.environment_name (and environment_name_by_region) must be mwaa-<environment> or start with mwaa-<environment>- (a blue-green upgrade names the new environment mwaa-<environment>-<major>-<minor>, e.g. \"mwaa-prod-3-2\")."
  }
  validation {
    condition     = alltrue([for r, v in var.mwaa.airflow_version_by_region : can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", v))])
    error_message = "mwaa.airflow_version_by_region: values must be Airflow versions like \"3.2.1\" (the module validates that the version is offered), keyed by this stack's primary_region or secondary_region."
  }
}

variable "eks" {
  description = "EKS with IRSA for Airflow pods: enabled, node sizes, the namespace MWAA may use, and the service-account roles (see modules/eks-irsa)."
  type = object({
    enabled        = optional(bool, false)
    instance_types = optional(list(string), ["m6i.large"])
    min_nodes      = optional(number, 1)
    desired_nodes  = optional(number, 2)
    max_nodes      = optional(number, 3)
    namespace      = optional(string, "airflow-pods")
    service_account_roles = optional(map(object({
      namespace       = string
      service_account = string
      policy_arns     = optional(list(string), [])
      policy_statements = optional(list(object({
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
    })), {})
  })
  default  = {}
  nullable = false
}
