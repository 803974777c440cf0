# ----------------------------------------------------------------------------------------------------------------
# Cross-account data pipeline (cross_account_data.enabled), primary region only. Account B is this stack's
# account (provider aws); account A, the data producer, is reached by assuming cross_account_data.producer_role_arn
# (provider aws.data_producer). A part of this stack rather than a stack of its own because everything it wires
# is this stack's: the execution role (inline policy), the environment's security group (egress to Redshift), the
# MWAA VPC's route tables (peering) and the environment's Secrets Manager backend (mwaa.tf merges its options).
# ----------------------------------------------------------------------------------------------------------------
provider "aws" {
  alias  = "data_producer"
  region = var.region

  dynamic "assume_role" {
    for_each = var.cross_account_data.enabled && var.cross_account_data.producer_role_arn != null ? [var.cross_account_data.producer_role_arn] : []
    content {
      role_arn     = assume_role.value
      session_name = "mwaa-platform-${var.environment}-data"
    }
  }

  default_tags {
    tags = local.tags
  }
}

locals {
  cross_account_enabled = var.cross_account_data.enabled && local.mwaa_enabled && local.role == "primary" && local.network != null
  # what the environment needs for the pipeline's variable and connections (merged in mwaa.tf)
  cross_account_airflow_options = try(tomap(module.cross_account_data[0].airflow_configuration_options), {})
}

# The Redshift VPC: 3 AZs (Redshift Serverless needs them), private subnets without interface endpoints (the
# module adds a fenced S3 gateway endpoint); modules/network's endpoint-only mode requires MWAA's endpoints, so the
# private subnets egress through one NAT gateway.
module "redshift_network" {
  source = "../../modules/network"

  create             = local.cross_account_enabled
  name               = "mwaa-${var.environment}-redshift" # primary only; at most 32 characters
  vpc_cidr           = try(var.cross_account_data.redshift_network.vpc_cidr, "10.0.0.0/16")
  az_count           = try(var.cross_account_data.redshift_network.az_count, 3)
  egress_mode        = "nat"
  public_subnets     = true
  single_nat_gateway = true
  vpc_endpoints      = []
  flow_logs = {
    retention_in_days = try(var.cross_account_data.redshift_network.flow_log_retention_days, 365)
  }
  tags = local.tags
}

# count, not create: the module validates its consumer and network inputs even with create = false, and with the
# pipeline off there is no role or VPC to give it.
module "cross_account_data" {
  source = "../../modules/cross-account-data"
  count  = local.cross_account_enabled ? 1 : 0
  providers = {
    aws.producer = aws.data_producer
    aws.consumer = aws
  }

  name                       = "mwaa-${var.environment}-data"
  enable_redshift_serverless = var.cross_account_data.enable_redshift_serverless

  producer = {
    input_prefix  = var.cross_account_data.input_prefix
    output_prefix = var.cross_account_data.output_prefix
    force_destroy = var.cross_account_data.force_destroy
  }

  consumer = {
    mwaa_execution_role_arn        = module.mwaa.execution_role_arn
    mwaa_security_group_id         = module.mwaa.security_group_id
    add_mwaa_egress_rule           = var.cross_account_data.enable_redshift_serverless
    force_destroy                  = var.cross_account_data.force_destroy
    secret_recovery_window_in_days = var.cross_account_data.secret_recovery_window_in_days
  }

  network = {
    mwaa_vpc = {
      id              = module.network.vpc_id
      cidr_block      = module.network.vpc_cidr
      route_table_ids = module.network.private_route_table_ids
      subnet_ids      = module.network.private_subnet_ids
    }
    redshift_vpc = {
      id              = module.redshift_network.vpc_id
      cidr_block      = module.redshift_network.vpc_cidr
      route_table_ids = module.redshift_network.private_route_table_ids
      subnet_ids      = module.redshift_network.private_subnet_ids
    }
    create_secretsmanager_endpoint = false # modules/network already has one (private DNS) in the MWAA VPC
  }

  redshift = var.cross_account_data.redshift
  glue     = var.cross_account_data.glue
  tags     = local.tags
}
