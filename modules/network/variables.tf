variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name prefix for every resource (the VPC is tagged Name = <name>)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name must be 2-32 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, e.g. \"mwaa-prod\"."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 to /24 (MWAA needs room for two private subnets plus its workers)."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && can(regex("^[0-9.]+/[0-9]+$", var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as \"10.20.0.0/16\"."
  }

  validation {
    condition     = !can(cidrnetmask(var.vpc_cidr)) || try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24, false)
    error_message = "vpc_cidr must be between /16 and /24 (AWS allows no VPC larger than /16, and MWAA subnets in a VPC smaller than /24 run out of addresses); use e.g. \"10.20.0.0/20\"."
  }

  validation {
    condition     = !can(cidrnetmask(var.vpc_cidr)) || try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false)
    error_message = "vpc_cidr must be the network address of its block (no host bits set): write e.g. \"10.20.0.0/16\", not \"10.20.1.0/16\"."
  }
}

variable "az_count" {
  description = "Number of Availability Zones to spread subnets over: 2 or 3 (MWAA needs exactly two private subnets in different AZs; a third is for other workloads)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3 && floor(var.az_count) == var.az_count
    error_message = "az_count must be 2 or 3: MWAA needs two private subnets in different Availability Zones, and this module lays out at most three."
  }
}

variable "azs" {
  description = "Availability Zone names to use, in order (the first az_count are used). Empty = the first az_count available zones of the region. Pin them to keep the layout stable across accounts."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.azs) == 0 || length(var.azs) >= var.az_count
    error_message = "azs must list at least az_count zone names (or be empty to use the region's first available zones)."
  }

  validation {
    condition     = length(var.azs) == length(distinct(var.azs)) && alltrue([for az in var.azs : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", az))])
    error_message = "azs must be distinct Availability Zone names such as \"us-east-1a\" (not zone IDs such as \"use1-az1\")."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (3 on a /16 gives /19 subnets). The VPC is cut into 2^newbits slots: private subnets take slots 0-2, public subnets 3-5."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.subnet_newbits >= 3 && var.subnet_newbits <= 12 && floor(var.subnet_newbits) == var.subnet_newbits
    error_message = "subnet_newbits must be a whole number from 3 (six subnet slots are reserved) to 12."
  }

  validation {
    condition     = !can(cidrnetmask(var.vpc_cidr)) || try(tonumber(split("/", var.vpc_cidr)[1]) < 16 || tonumber(split("/", var.vpc_cidr)[1]) > 24 || tonumber(split("/", var.vpc_cidr)[1]) + var.subnet_newbits <= 28, true)
    error_message = "vpc_cidr prefix + subnet_newbits must be at most 28 (the smallest AWS subnet is a /28); lower subnet_newbits or use a larger vpc_cidr."
  }
}

variable "public_subnets" {
  description = "Whether to create public subnets (one per AZ) with an internet gateway. Required for egress_mode = \"nat\"."
  type        = bool
  default     = false
  nullable    = false
}

variable "egress_mode" {
  description = "How private subnets reach AWS services: \"nat\" (NAT gateway(s) in the public subnets, plus any endpoints listed) or \"endpoints\" (no internet route at all; VPC endpoints only)."
  type        = string
  default     = "endpoints"
  nullable    = false

  validation {
    condition     = contains(["nat", "endpoints"], var.egress_mode)
    error_message = "egress_mode must be \"nat\" or \"endpoints\"."
  }

  validation {
    condition     = var.egress_mode != "nat" || var.public_subnets
    error_message = "egress_mode = \"nat\" needs public subnets for the NAT gateway(s): set public_subnets = true, or use egress_mode = \"endpoints\"."
  }
}

variable "single_nat_gateway" {
  description = "With egress_mode = \"nat\": one shared NAT gateway (cheaper) instead of one per AZ (survives the loss of an AZ)."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_endpoints" {
  description = "VPC endpoints to create, by short service name. \"s3\" is a gateway endpoint; all others are interface endpoints with private DNS in the private subnets. With egress_mode = \"endpoints\" the MWAA-required ones must be present."
  type        = set(string)
  default     = ["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager", "airflow.api", "airflow.env", "airflow.ops"]
  nullable    = false

  validation {
    condition     = length(setsubtract(var.vpc_endpoints, ["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager", "airflow.api", "airflow.env", "airflow.ops"])) == 0
    error_message = "vpc_endpoints may only contain s3, sqs, logs, monitoring, ecr.api, ecr.dkr, kms, sts, secretsmanager, airflow.api, airflow.env, airflow.ops; remove: ${join(", ", setsubtract(var.vpc_endpoints, ["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager", "airflow.api", "airflow.env", "airflow.ops"]))}."
  }

  validation {
    condition     = var.egress_mode != "endpoints" || length(setsubtract(["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "airflow.api", "airflow.env", "airflow.ops"], var.vpc_endpoints)) == 0
    error_message = "With egress_mode = \"endpoints\" MWAA cannot start without these endpoints; add: ${join(", ", setsubtract(["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "airflow.api", "airflow.env", "airflow.ops"], var.vpc_endpoints))} (or use egress_mode = \"nat\")."
  }
}

variable "endpoint_trusted_account_ids" {
  description = "Extra AWS account IDs whose principals may use the VPC endpoints (e.g. shared-VPC participant accounts). The account that owns the VPC is always trusted."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.endpoint_trusted_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "endpoint_trusted_account_ids must be 12-digit AWS account IDs, e.g. \"111122223333\"."
  }
}

variable "endpoint_trusted_organization_id" {
  description = "Optional AWS Organizations ID (o-...) whose principals may also use the VPC endpoints. null = account IDs only."
  type        = string
  default     = null

  validation {
    condition     = var.endpoint_trusted_organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.endpoint_trusted_organization_id))
    error_message = "endpoint_trusted_organization_id must look like \"o-a1b2c3d4e5\" (or be null)."
  }
}

variable "endpoint_policy_overrides" {
  description = "Endpoint policy JSON documents that replace the module's policy for the named endpoints (keys are names from vpc_endpoints)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.endpoint_policy_overrides) : contains(["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager", "airflow.api", "airflow.env", "airflow.ops"], k)])
    error_message = "endpoint_policy_overrides keys must be endpoint names from vpc_endpoints (s3, sqs, logs, monitoring, ecr.api, ecr.dkr, kms, sts, secretsmanager, airflow.api, airflow.env, airflow.ops)."
  }

  validation {
    condition     = alltrue([for v in values(var.endpoint_policy_overrides) : can(jsondecode(v).Statement)])
    error_message = "endpoint_policy_overrides values must be JSON policy documents with a Statement, e.g. jsonencode({ Version = \"2012-10-17\", Statement = [...] })."
  }
}

variable "flow_logs" {
  description = "VPC flow logs to a KMS-encrypted CloudWatch Logs group: enabled, retention_in_days, traffic_type (ACCEPT | REJECT | ALL), max_aggregation_interval (60 or 600 seconds)."
  type = object({
    enabled                  = optional(bool, true)
    retention_in_days        = optional(number, 365)
    traffic_type             = optional(string, "ALL")
    max_aggregation_interval = optional(number, 600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs.retention_in_days)
    error_message = "flow_logs.retention_in_days must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_logs.traffic_type)
    error_message = "flow_logs.traffic_type must be \"ACCEPT\", \"REJECT\" or \"ALL\"."
  }

  validation {
    condition     = contains([60, 600], var.flow_logs.max_aggregation_interval)
    error_message = "flow_logs.max_aggregation_interval must be 60 or 600 (seconds)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the flow-log KMS key is deleted after destroy (7-30 days)."
  type        = number
  default     = 30
  nullable    = false
}

variable "externally_managed_endpoint_policies" {
  description = "Interface endpoints (names from vpc_endpoints) whose policy another owner edits after creation, e.g. [\"sqs\"] when modules/endpoint-automation admits MWAA Celery queues: Terraform sets the initial policy and ignores later edits."
  type        = set(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.externally_managed_endpoint_policies : e != "s3"])
    error_message = "externally_managed_endpoint_policies takes interface endpoint names such as \"sqs\"; the s3 gateway endpoint's policy stays with Terraform."
  }
}
