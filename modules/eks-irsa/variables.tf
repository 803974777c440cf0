variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Cluster name; also the prefix of every IAM role, policy, key alias and log group the module creates."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name must be 2-32 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, e.g. \"mwaa-pods\" (it prefixes IAM role names, which are limited to 64 characters)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Cluster
################################################################################

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane, e.g. \"1.33\". Upgrades go one minor version at a time."
  type        = string
  default     = "1.33"
  nullable    = false

  validation {
    condition     = can(regex("^1\\.(29|3[0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be a supported EKS minor version from \"1.29\" to \"1.39\", written without a patch level (e.g. \"1.33\")."
  }
}

variable "subnet_ids" {
  description = "Private subnets (at least two, in different Availability Zones) for the control-plane network interfaces and, unless node_group.subnet_ids says otherwise, the nodes."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must list at least two subnet IDs (\"subnet-0123abcd...\") in different Availability Zones: EKS requires two."
  }
}

variable "security_group_ids" {
  description = "Extra security groups for the control-plane network interfaces (EKS always adds its cluster security group)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "security_group_ids must be security group IDs such as \"sg-0123abcd\"."
  }
}

variable "endpoint_access" {
  description = "API server endpoint exposure. The default is private only (reachable from the VPC, e.g. from MWAA workers); a public endpoint needs an explicit CIDR allow-list."
  type = object({
    private             = optional(bool, true)
    public              = optional(bool, false)
    public_access_cidrs = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.endpoint_access.private || var.endpoint_access.public
    error_message = "endpoint_access must enable private, public or both: a cluster with neither endpoint cannot be reached."
  }

  validation {
    condition     = !var.endpoint_access.public || (length(var.endpoint_access.public_access_cidrs) > 0 && !contains(var.endpoint_access.public_access_cidrs, "0.0.0.0/0"))
    error_message = "endpoint_access.public = true needs public_access_cidrs listing the networks allowed to reach the API (never 0.0.0.0/0), e.g. [\"203.0.113.0/24\"]; or keep the endpoint private."
  }

  validation {
    condition     = alltrue([for c in var.endpoint_access.public_access_cidrs : can(cidrnetmask(c))])
    error_message = "endpoint_access.public_access_cidrs must be IPv4 CIDR blocks such as \"203.0.113.0/24\"."
  }
}

variable "cluster_creator_admin" {
  description = "Whether EKS gives the identity that creates the cluster (the one running Terraform, which then runs `mwaa-platform k8s bootstrap`) cluster admin through an access entry. Set false when another access entry covers bootstrapping."
  type        = bool
  default     = true
  nullable    = false
}

variable "cluster_log_types" {
  description = "Control-plane log types sent to CloudWatch Logs (all five by default)."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  nullable    = false

  validation {
    condition     = length(var.cluster_log_types) > 0 && alltrue([for t in var.cluster_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "cluster_log_types must be a non-empty subset of api, audit, authenticator, controllerManager, scheduler (audit and authenticator are the ones an investigation needs)."
  }
}

variable "log_retention_days" {
  description = "Retention of the control-plane log group, in days."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for Kubernetes secrets and the control-plane logs. Null creates a dedicated key with rotation."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias; or null to create a key."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the module's KMS key is deleted after destroy, 7-30 days."
  type        = number
  default     = 30
  nullable    = false
}

################################################################################
# Node group
################################################################################

variable "node_group" {
  description = "The managed node group: sizes, instance types, capacity type. desired_size is set at creation; afterwards the cluster autoscaler owns it."
  type = object({
    name           = optional(string, "default")
    instance_types = optional(list(string), ["m6i.large"])
    capacity_type  = optional(string, "ON_DEMAND")
    ami_type       = optional(string, "AL2023_x86_64_STANDARD")
    disk_size      = optional(number, 50)
    min_size       = optional(number, 1)
    max_size       = optional(number, 3)
    desired_size   = optional(number, 2)
    labels         = optional(map(string), {})
    subnet_ids     = optional(list(string))
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", var.node_group.name))
    error_message = "node_group.name must be 1-63 letters, digits, hyphens or underscores, starting with a letter or digit."
  }

  validation {
    condition     = var.node_group.min_size >= 0 && var.node_group.max_size >= 1 && var.node_group.min_size <= var.node_group.desired_size && var.node_group.desired_size <= var.node_group.max_size
    error_message = "node_group sizes must satisfy 0 <= min_size <= desired_size <= max_size and max_size >= 1, e.g. { min_size = 1, desired_size = 2, max_size = 3 }."
  }

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_group.capacity_type)
    error_message = "node_group.capacity_type must be ON_DEMAND or SPOT."
  }

  validation {
    condition     = length(var.node_group.instance_types) > 0 && var.node_group.disk_size >= 20
    error_message = "node_group needs at least one instance type and disk_size >= 20 (GiB)."
  }
}

variable "oidc_thumbprints" {
  description = "SHA-1 thumbprints of the OIDC issuer's certificate chain. Empty lets IAM use its trusted CA library for EKS issuers (provider 5.x makes thumbprint_list optional)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.oidc_thumbprints) <= 5 && alltrue([for t in var.oidc_thumbprints : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "oidc_thumbprints must hold at most five 40-character hex SHA-1 thumbprints."
  }
}

################################################################################
# IRSA roles
################################################################################

variable "service_account_roles" {
  description = <<-EOT
    IAM roles for Kubernetes service accounts (IRSA), keyed by a short name (also the role-name suffix). Each role
    trusts only system:serviceaccount:<namespace>:<service_account> with audience sts.amazonaws.com, and gets
    policy_statements (an inline policy) and/or policy_arns (attached managed policies); at least one is needed.
  EOT
  type = map(object({
    namespace       = string
    service_account = string
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
    policy_arns = optional(list(string), [])
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.service_account_roles) : can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", k))])
    error_message = "service_account_roles keys must be 2-24 lowercase letters, digits and hyphens (they become the IAM role name suffix <name>-irsa-<key>), e.g. \"s3-reader\"."
  }

  validation {
    condition     = alltrue([for r in values(var.service_account_roles) : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", r.namespace))])
    error_message = "Every service_account_roles[*].namespace must be a Kubernetes namespace name (RFC 1123 label: lowercase letters, digits and '-', at most 63 characters), e.g. \"airflow-pods\"."
  }

  validation {
    condition     = alltrue([for r in values(var.service_account_roles) : length(r.service_account) <= 253 && can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", r.service_account))])
    error_message = "Every service_account_roles[*].service_account must be a Kubernetes object name (RFC 1123 subdomain: lowercase letters, digits, '-' and '.'), e.g. \"s3-reader\"."
  }

  validation {
    condition     = length(distinct([for r in values(var.service_account_roles) : "${r.namespace}/${r.service_account}"])) == length(var.service_account_roles)
    error_message = "Two service_account_roles entries name the same namespace/service_account: one service account can carry only one role ARN annotation."
  }

  validation {
    condition     = alltrue([for r in values(var.service_account_roles) : length(r.policy_statements) + length(r.policy_arns) > 0])
    error_message = "Every service_account_roles entry needs policy_statements or policy_arns (or both): a role with no permissions is a mistake."
  }

  validation {
    condition = alltrue(flatten([for r in values(var.service_account_roles) : [
      for s in r.policy_statements : [for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9]+\\*?$", a))]
    ]]))
    error_message = "policy_statements actions must be service:Action names such as \"s3:GetObject\" (a trailing * on an action prefix like \"s3:Get*\" is allowed); \"*\" and \"service:*\" are not least privilege."
  }

  validation {
    condition = alltrue(flatten([for r in values(var.service_account_roles) : [
      for s in r.policy_statements : contains(["Allow", "Deny"], s.effect) && length(s.actions) > 0 && length(s.resources) > 0
    ]]))
    error_message = "Every policy statement needs effect Allow or Deny, at least one action and at least one resource ARN."
  }

  validation {
    condition = alltrue(flatten([for r in values(var.service_account_roles) : [
      for arn in r.policy_arns : can(regex("^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/.+$", arn)) && !endswith(arn, ":policy/AdministratorAccess")
    ]]))
    error_message = "policy_arns must be IAM policy ARNs (arn:aws:iam::<account>|aws:policy/<name>) and never AdministratorAccess."
  }
}

################################################################################
# MWAA access
################################################################################

variable "mwaa_access" {
  description = <<-EOT
    Lets an MWAA execution role start pods in one namespace: an EKS access entry (type STANDARD, mapped to
    kubernetes_group) with access_policy associated at namespace scope, and an IAM policy with eks:DescribeCluster
    on this cluster only (attached to the role when attach_describe_policy). `mwaa-platform k8s bootstrap` then
    binds kubernetes_group to a Role limited to pods, pods/log and pods/exec. Null gives MWAA no access.
  EOT
  type = object({
    execution_role_arn     = string
    namespace              = string
    kubernetes_group       = optional(string, "mwaa-pod-operators")
    access_policy          = optional(string, "AmazonEKSViewPolicy")
    attach_describe_policy = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.mwaa_access == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.mwaa_access.execution_role_arn))
    error_message = "mwaa_access.execution_role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), the MWAA environment's execution role."
  }

  validation {
    condition     = var.mwaa_access == null || can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.mwaa_access.namespace))
    error_message = "mwaa_access.namespace must be a Kubernetes namespace name (RFC 1123 label), e.g. \"airflow-pods\"."
  }

  validation {
    condition     = var.mwaa_access == null || try(contains(["AmazonEKSViewPolicy", "AmazonEKSEditPolicy"], var.mwaa_access.access_policy), false)
    error_message = "mwaa_access.access_policy must be AmazonEKSViewPolicy (default: pod rights come from the bootstrap Role) or AmazonEKSEditPolicy; admin and cluster-admin policies are never given to MWAA."
  }

  validation {
    condition     = var.mwaa_access == null || try(can(regex("^[a-z0-9][-a-z0-9.:]{0,62}$", var.mwaa_access.kubernetes_group)) && !startswith(var.mwaa_access.kubernetes_group, "system:"), false)
    error_message = "mwaa_access.kubernetes_group must be a plain group name such as \"mwaa-pod-operators\"; EKS rejects groups starting with \"system:\" (and system:masters is cluster-admin)."
  }
}
