# The platform stack: one root, applied once per region (workspace = region). It only wires modules.

locals {
  role = var.region == var.primary_region ? "primary" : "secondary"
  name = "mwaa-${var.environment}-${local.role}"
  tags = merge(var.tags, {
    "mwaa-platform:environment" = var.environment
    "mwaa-platform:role"        = local.role
    "mwaa-platform:managed-by"  = "terraform/platform"
  })
  network    = lookup(var.networks, var.region, null)
  shared_vpc = lookup(var.shared_vpcs, var.region, null) # shared-VPC participant: the owner's network
  vpc_id     = local.shared_vpc != null ? local.shared_vpc.vpc_id : module.network.vpc_id
  subnet_ids = local.shared_vpc != null ? slice(local.shared_vpc.subnet_ids, 0, 2) : try(slice(module.network.private_subnet_ids, 0, 2), [])
}

check "network_for_this_region" {
  assert {
    condition     = local.network != null || local.shared_vpc != null
    error_message = "Neither networks nor shared_vpcs has an entry for ${var.region}: add one to terraform/envs/${var.environment}.tfvars."
  }
}

# ----------------------------------------------------------------------------------------------------------------
# Network
# ----------------------------------------------------------------------------------------------------------------
module "network" {
  source = "../../modules/network"

  create             = local.network != null
  name               = local.name
  vpc_cidr           = try(local.network.vpc_cidr, "10.0.0.0/16")
  az_count           = try(local.network.az_count, 2)
  egress_mode        = try(local.network.egress_mode, "endpoints")
  public_subnets     = try(local.network.public_subnets, false)
  single_nat_gateway = try(local.network.single_nat_gateway, true)
  flow_logs = {
    retention_in_days = try(local.network.flow_log_retention_days, 365)
  }
  # With CUSTOMER endpoints the automation Lambda admits the Celery queue into the SQS endpoint policy.
  externally_managed_endpoint_policies = var.mwaa.enabled && var.mwaa.endpoint_management == "CUSTOMER" ? ["sqs"] : []
  tags                                 = local.tags
}
