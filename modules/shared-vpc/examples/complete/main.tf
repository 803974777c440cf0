# Owner side of a shared VPC: build the MWAA network, then share its private subnets with participant
# accounts through AWS RAM. The participant output is what each participant account needs.
# The provider is configured by the environment only, so the same example applies to real AWS unchanged.
provider "aws" {}

variable "participant_account_ids" {
  description = "Accounts that will run MWAA in the shared subnets (members of your organization)."
  type        = list(string)
  default     = ["444455556666"]
}

module "network" {
  source = "../../../network"

  name     = "mwaa-shared"
  vpc_cidr = "10.50.0.0/16"
  az_count = 2

  egress_mode = "endpoints"
  # Participants' MWAA principals must be allowed through the endpoint policies too.
  endpoint_trusted_account_ids = var.participant_account_ids
}

module "shared_vpc" {
  source = "../.."

  name        = "mwaa-shared-subnets"
  vpc_id      = module.network.vpc_id
  subnet_arns = module.network.private_subnet_arns
  principals  = var.participant_account_ids

  allow_external_principals = false

  tags = {
    environment = "example"
  }
}

output "participant" {
  description = "Hand this to each participant account (vpc_id, subnet_ids, owner_account_id, region, resource_share_arn)."
  value       = module.shared_vpc.participant
}

output "resource_share_arn" {
  description = "The RAM share holding the private subnets."
  value       = module.shared_vpc.resource_share_arn
}

output "shared_subnet_arns" {
  description = "ARNs of the subnets in the share."
  value       = module.shared_vpc.shared_subnet_arns
}
