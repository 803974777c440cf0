# ----------------------------------------------------------------------------------------------------------------
# MWAA: endpoint automation first (so a CUSTOMER environment leaves PENDING unattended), then the environment.
# In the secondary region the environment exists only for warm_standby. backup_restore: the secondary holds the
# recovery kit (module.mwaa with create_environment = false: execution role, key, log groups, security group over
# the replica DAGs bucket) and the failover creates the environment with it; the primary's environment reads its
# DAGs from the replicated DR dags bucket, so the recreated one finds the same files in the replica.
# ----------------------------------------------------------------------------------------------------------------
locals {
  mwaa_enabled   = var.mwaa.enabled && (local.network != null || local.shared_vpc != null) && (local.role == "primary" || var.dr_mode == "warm_standby")
  mwaa_kit       = var.mwaa.enabled && local.dr_enabled && local.role == "secondary" && var.dr_mode == "backup_restore"
  dr_dags_bucket = local.dr_enabled && var.dr_mode == "backup_restore"
  mwaa_source_bucket = !local.dr_dags_bucket ? {
    create = true, arn = null, kms_key_arn = null, force_destroy = var.mwaa.force_destroy_bucket
    } : local.role == "primary" ? {
    create = false, arn = "arn:aws:s3:::${local.dr_bucket["dags"].primary}", kms_key_arn = local.dr_primary_key_arn, force_destroy = false
    } : {
    create = false, arn = "arn:aws:s3:::${local.dr_bucket["dags"].replica}", kms_key_arn = local.dr_replica_key_arn, force_destroy = false
  }
  # mwaa-<environment> names the module's resources; the environment itself may be a blue-green successor
  mwaa_prefix = "mwaa-${var.environment}"
  mwaa_names = { for role, region in { primary = var.primary_region, secondary = var.secondary_region } :
  role => lookup(var.mwaa.environment_name_by_region, region, coalesce(var.mwaa.environment_name, local.mwaa_prefix)) }
  mwaa_name       = lookup(var.mwaa.environment_name_by_region, var.region, coalesce(var.mwaa.environment_name, local.mwaa_prefix))
  airflow_version = lookup(var.mwaa.airflow_version_by_region, var.region, var.mwaa.airflow_version)
  # DR restores the primary's history into the secondary, and Airflow's migrations take it forward only: the
  # secondary may run a newer version (a region upgraded first), never an older one (checked by an output below)
  airflow_version_rank = {
    for role, region in { primary = var.primary_region, secondary = var.secondary_region } : role => sum([
      for i, n in split(".", lookup(var.mwaa.airflow_version_by_region, region, var.mwaa.airflow_version)) : tonumber(n) * pow(1000, 2 - i)
    ])
  }
  customer_managed  = var.mwaa.endpoint_management == "CUSTOMER"
  lambda_zip        = "${var.lambda_zip_dir}/endpoints.zip"
  requirements_file = var.mwaa.requirements_file == null ? null : { source = var.mwaa.requirements_file }
}

module "endpoint_automation" {
  source = "../../modules/endpoint-automation"

  # A shared-VPC participant only forwards its events to the owner, whose Lambda creates the endpoints. The
  # forwarder serves every environment of the account in this region (also ones made by a failover or by hand),
  # so it is there even when this stack runs none here.
  create                   = local.customer_managed && (local.shared_vpc != null || local.mwaa_enabled || local.mwaa_kit)
  mode                     = local.shared_vpc != null ? "forwarder" : "handler"
  forward_to_event_bus_arn = try(local.shared_vpc.event_bus_arn, null)
  name                     = "${local.name}-endpoints"
  lambda_zip_path          = local.lambda_zip
  allowed_vpc_ids          = compact([module.network.vpc_id])
  tags                     = local.tags
}

module "mwaa" {
  source = "../../modules/mwaa-environment"

  create             = local.mwaa_enabled || local.mwaa_kit
  create_environment = local.mwaa_enabled
  name               = local.mwaa_prefix
  environment_name   = local.mwaa_name

  airflow_version = local.airflow_version
  # a higher major version would be a replacement in hashicorp/aws; see modules/mwaa-environment's version guard
  allow_major_version_replacement = var.mwaa.allow_major_version_replacement
  environment_class               = var.mwaa.environment_class
  schedulers                      = var.mwaa.schedulers
  min_workers                     = var.mwaa.min_workers
  max_workers                     = var.mwaa.max_workers
  min_webservers                  = var.mwaa.min_webservers
  max_webservers                  = var.mwaa.max_webservers
  webserver_access_mode           = var.mwaa.webserver_access_mode
  endpoint_management             = var.mwaa.endpoint_management

  vpc_id     = local.vpc_id
  subnet_ids = local.subnet_ids

  source_bucket   = local.mwaa_source_bucket
  dags_source_dir = local.mwaa_kit ? null : var.mwaa.dags_source_dir # a replica is written by replication only
  requirements    = local.mwaa_kit ? null : local.requirements_file

  # DR (dr.tf): where this environment's backups go / come from, the DR key, and the role statements for them;
  # the cross-account pipeline (crossaccount.tf): the Secrets Manager backend holding its variable and connections.
  airflow_configuration_options = merge(try(local.dr_environment_settings.airflow_configuration_options, {}), local.cross_account_airflow_options, var.mwaa.airflow_configuration_options)
  execution_role                = { extra_statements = try(local.dr_environment_settings.execution_role_statements, []) }

  tags = local.tags

  # dr_storage: the DR dags bucket (backup_restore) has its versioning and replication before the first upload.
  depends_on = [module.endpoint_automation, module.dr_storage]
}

# ----------------------------------------------------------------------------------------------------------------
# EKS with IRSA (optional per environment): MWAA tasks run as pods with least-privilege roles.
# ----------------------------------------------------------------------------------------------------------------
module "eks_irsa" {
  source = "../../modules/eks-irsa"

  create     = var.eks.enabled && local.mwaa_enabled
  name       = "${local.name}-pods"
  subnet_ids = local.subnet_ids

  endpoint_access = { private = true, public = false }
  node_group = {
    instance_types = var.eks.instance_types
    min_size       = var.eks.min_nodes
    desired_size   = var.eks.desired_nodes
    max_size       = var.eks.max_nodes
  }
  service_account_roles = var.eks.service_account_roles

  mwaa_access = local.mwaa_enabled && var.eks.enabled ? {
    execution_role_arn     = module.mwaa.execution_role_arn
    namespace              = var.eks.namespace
    attach_describe_policy = true
  } : null

  tags = local.tags
}
