variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the AWS RAM resource share."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", var.name))
    error_message = "name must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. \"mwaa-prod-subnets\"."
  }
}

variable "tags" {
  description = "Tags added to the resource share."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "vpc_id" {
  description = "ID of the VPC the subnets belong to; passed through to the participant outputs (participants create their security groups in it)."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like \"vpc-0123456789abcdef0\" (or be null)."
  }
}

variable "subnet_arns" {
  description = "ARNs of the private subnets to share (MWAA needs two, in different Availability Zones), all owned by this account in this region."
  type        = list(string)
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.subnet_arns : can(regex("^arn:aws[a-z-]*:ec2:[a-z0-9-]+:[0-9]{12}:subnet/subnet-[0-9a-f]{8,17}$", arn))])
    error_message = "subnet_arns must be subnet ARNs such as \"arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0123456789abcdef0\" (the network module's private_subnet_arns output)."
  }

  validation {
    condition     = length(var.subnet_arns) >= 2 && length(distinct(var.subnet_arns)) == length(var.subnet_arns)
    error_message = "subnet_arns must list at least two distinct subnets: an MWAA environment needs two private subnets."
  }

  validation {
    condition     = length(distinct([for arn in var.subnet_arns : try(join(":", slice(split(":", arn), 3, 5)), arn)])) <= 1
    error_message = "subnet_arns must all be in the same region and owner account: RAM shares are regional and only the owner can share its subnets."
  }
}

variable "principals" {
  description = "Who receives the subnets: 12-digit AWS account IDs, an organization ARN (arn:aws:organizations::<mgmt>:organization/o-...) or OU ARNs (arn:aws:organizations::<mgmt>:ou/o-.../ou-...)."
  type        = list(string)
  nullable    = false

  validation {
    condition = length(var.principals) >= 1 && alltrue([for p in var.principals : can(regex(
      "^([0-9]{12}|arn:aws[a-z-]*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}|arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$", p
    ))])
    error_message = "principals must list at least one of: a 12-digit account ID (\"444455556666\"), an organization ARN (\"arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5\") or an OU ARN (\"arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56\")."
  }

  validation {
    condition     = length(distinct(var.principals)) == length(var.principals)
    error_message = "principals must not repeat an entry."
  }

  validation {
    condition     = !anytrue([for p in var.principals : contains([for arn in var.subnet_arns : try(split(":", arn)[4], "")], p)])
    error_message = "principals must not include the account that owns the subnets: it already has them."
  }
}

variable "allow_external_principals" {
  description = "Whether accounts outside your AWS Organization may receive the share (they must accept an invitation). Keep false to share only inside the organization."
  type        = bool
  default     = false
  nullable    = false
}

variable "permission_arns" {
  description = "RAM managed permission ARNs for the share. Empty = the AWS default permission for subnets."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.permission_arns : can(regex("^arn:aws[a-z-]*:ram::([0-9]{12}|aws):permission/[A-Za-z0-9_-]+$", arn))])
    error_message = "permission_arns must be RAM permission ARNs such as \"arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet\"."
  }
}
