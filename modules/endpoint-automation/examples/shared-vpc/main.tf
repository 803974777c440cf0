# Shared VPC: the VPC owner (network account) runs the handler and a bus that accepts the participants'
# MWAA status events; each participant (workload account) forwards its events there. The participant
# provider assumes a role in the participant account (in the embedded default: a second account id).
provider "aws" {}

provider "aws" {
  alias = "participant"
  assume_role {
    role_arn     = var.participant_role_arn
    session_name = "mwaa-endpoint-automation"
  }
}

variable "lambda_zip_path" {
  description = "The endpoints Lambda zip."
  type        = string
  default     = "../../../../build/lambda/endpoints.zip"
}

variable "participant_account_id" {
  description = "The workload account that creates MWAA environments in the owner's shared subnets."
  type        = string
  default     = "444455556666"
}

variable "participant_role_arn" {
  description = "Role in the participant account that Terraform assumes to create the forwarder."
  type        = string
  default     = "arn:aws:iam::444455556666:role/terraform"
}

variable "shared_vpc_id" {
  description = "The shared VPC the owner lets the automation create endpoints in."
  type        = string
  default     = "vpc-0123456789abcdef0"
}

module "owner" {
  source = "../.."

  name                    = "mwaa-endpoints"
  lambda_zip_path         = var.lambda_zip_path
  allowed_vpc_ids         = [var.shared_vpc_id]
  participant_account_ids = [var.participant_account_id]

  tags = { example = "shared-vpc", side = "owner" }
}

module "participant" {
  source = "../.."
  providers = {
    aws = aws.participant
  }

  name                     = "mwaa-endpoints"
  mode                     = "forwarder"
  forward_to_event_bus_arn = module.owner.forwarded_event_bus_arn

  tags = { example = "shared-vpc", side = "participant" }
}

output "owner_function_name" {
  description = "The handler in the owner account."
  value       = module.owner.function_name
}

output "owner_bus_arn" {
  description = "The bus participants forward to."
  value       = module.owner.forwarded_event_bus_arn
}

output "participant_rule_arns" {
  description = "The participant's forwarding rule."
  value       = module.participant.rule_arns
}
