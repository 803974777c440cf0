# Shared-VPC participant mode (see terraform/shared-network for the owner side).

variable "shared_vpcs" {
  description = "Shared-VPC participant mode, per region: the VPC owner's `participant` output of terraform/shared-network (vpc_id, subnet_ids, event_bus_arn). A region listed here gets no VPC of its own: MWAA's security group is created in the owner's VPC, MWAA uses the first two shared subnets, and the endpoint automation becomes a forwarder of this account's MWAA status events to the owner's bus."
  type = map(object({
    vpc_id        = string
    subnet_ids    = list(string)
    event_bus_arn = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k, v in var.shared_vpcs : can(regex("^vpc-[0-9a-f]{8,17}$", v.vpc_id))])
    error_message = "shared_vpcs[*].vpc_id must be the owner's VPC id, e.g. \"vpc-0123456789abcdef0\" (terraform/shared-network output participant.vpc_id)."
  }

  validation {
    condition     = alltrue([for k, v in var.shared_vpcs : length(v.subnet_ids) >= 2 && length(distinct(v.subnet_ids)) == length(v.subnet_ids) && alltrue([for s in v.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])])
    error_message = "shared_vpcs[*].subnet_ids must list at least two distinct subnet ids (\"subnet-0123456789abcdef0\") shared with this account: MWAA needs two private subnets in different Availability Zones."
  }

  validation {
    condition     = alltrue([for k, v in var.shared_vpcs : can(regex("^arn:aws[a-z-]*:events:${k}:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$", v.event_bus_arn))])
    error_message = "shared_vpcs[<region>].event_bus_arn must be the owner's bus in that same region, arn:aws:events:<region>:<owner account>:event-bus/<name> (terraform/shared-network output participant.event_bus_arn)."
  }

  validation {
    condition     = length(var.shared_vpcs) == 0 || var.mwaa.endpoint_management == "CUSTOMER"
    error_message = "MWAA in a shared VPC needs mwaa.endpoint_management = \"CUSTOMER\": only the VPC owner can create the endpoints (the owner's automation does it)."
  }
}

variable "assume_role_arn" {
  description = "Role Terraform assumes in the account this stack manages (e.g. a shared-VPC participant), while the state stays where the backend credentials point. null = use the caller's own account."
  type        = string
  default     = null

  validation {
    condition     = var.assume_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", coalesce(var.assume_role_arn, "-")))
    error_message = "assume_role_arn must be an IAM role ARN such as \"arn:aws:iam::444455556666:role/mwaa-platform-terraform\" (or null)."
  }
}
