# The shared-VPC owner stack (network account): one root, applied once per region (workspace = region). It
# builds the VPC, shares its private subnets with the participant accounts through RAM, and runs the MWAA
# endpoint automation for everyone: participants' MWAA status events arrive on a bus here and the Lambda creates
# the customer-managed endpoints in this account's VPC (participants cannot create endpoints in a shared VPC).

locals {
  name    = "mwaa-${var.environment}-network"
  network = var.networks[var.region]
  tags = merge(var.tags, {
    "mwaa-platform:environment" = var.environment
    "mwaa-platform:component"   = "shared-network"
    "mwaa-platform:managed-by"  = "terraform/shared-network"
  })
}

# ----------------------------------------------------------------------------------------------------------------
# Network (owner side)
# ----------------------------------------------------------------------------------------------------------------
module "network" {
  source = "../../modules/network"

  name               = local.name
  vpc_cidr           = local.network.vpc_cidr
  az_count           = local.network.az_count
  egress_mode        = local.network.egress_mode
  public_subnets     = local.network.public_subnets
  single_nat_gateway = local.network.single_nat_gateway
  flow_logs = {
    retention_in_days = local.network.flow_log_retention_days
  }
  # Participants' principals use the endpoints; the automation Lambda admits their Celery queues into SQS's.
  endpoint_trusted_account_ids         = var.participants.account_ids
  externally_managed_endpoint_policies = ["sqs"]
  tags                                 = local.tags
}

# ----------------------------------------------------------------------------------------------------------------
# Share the private subnets (RAM)
# ----------------------------------------------------------------------------------------------------------------
module "shared_vpc" {
  source = "../../modules/shared-vpc"

  name                      = "${local.name}-subnets"
  vpc_id                    = module.network.vpc_id
  subnet_arns               = module.network.private_subnet_arns
  principals                = concat(var.participants.account_ids, var.participants.organization_unit_arns)
  allow_external_principals = var.participants.allow_external_principals
  tags                      = local.tags
}

# ----------------------------------------------------------------------------------------------------------------
# Endpoint automation (owner mode): rule + Lambda here, a bus that admits the participants' forwarded events
# ----------------------------------------------------------------------------------------------------------------
module "endpoint_automation" {
  source = "../../modules/endpoint-automation"

  name                        = "${local.name}-endpoints"
  lambda_zip_path             = "${var.lambda_zip_dir}/endpoints.zip"
  allowed_vpc_ids             = [module.network.vpc_id]
  participant_account_ids     = var.participants.account_ids
  endpoint_security_group_ids = [aws_security_group.mwaa_endpoints.id]
  log_level                   = var.endpoint_automation_log_level
  tags                        = local.tags
}

# The MWAA endpoints the Lambda creates here are this account's network interfaces: they carry this account's
# group (a participant's environment group cannot be attached by the owner). MWAA reaches its metadata database
# (5432) and, for PRIVATE_ONLY, its web server (443) through them from the shared private subnets.
resource "aws_security_group" "mwaa_endpoints" {
  #checkov:skip=CKV2_AWS_5:Attached at run time: the endpoint automation Lambda puts it on the MWAA endpoints it creates (ENDPOINT_SECURITY_GROUP_IDS).
  name        = "${local.name}-mwaa-endpoints"
  description = "MWAA customer-managed endpoints created for participant environments"
  vpc_id      = module.network.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-mwaa-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "mwaa_endpoints" {
  for_each = {
    for pair in setproduct(["5432", "443"], module.network.private_subnet_cidrs) : "${pair[0]}-${pair[1]}" => pair
  }

  security_group_id = aws_security_group.mwaa_endpoints.id
  description       = each.value[0] == "5432" ? "MWAA metadata database from the shared private subnets" : "MWAA web server from the shared private subnets"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value[0])
  to_port           = tonumber(each.value[0])
  cidr_ipv4         = each.value[1]
  tags              = local.tags
}
