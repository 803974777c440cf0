# ----------------------------------------------------------------------------------------------------------------
# Disaster recovery. The primary workspace owns the replicated buckets of both regions (modules/dr-storage needs
# a provider per region, so both ends and the replication between them are one plan); the secondary workspace
# runs the failover control plane (modules/dr-failover) next to the standby. Apply order: primary, then
# secondary (make apply-all): the secondary finds the replica buckets and key by name.
# ----------------------------------------------------------------------------------------------------------------
provider "aws" {
  alias  = "dr_primary"
  region = var.primary_region

  default_tags {
    tags = local.tags
  }
}

provider "aws" {
  alias  = "dr_secondary"
  region = var.secondary_region

  default_tags {
    tags = local.tags
  }
}

data "aws_caller_identity" "dr" {
  count = local.dr_enabled ? 1 : 0
}

locals {
  dr_enabled      = var.dr.enabled && local.network != null
  dr_failover_zip = "${var.lambda_zip_dir}/failover.zip"
  dr_name         = "mwaa-${var.environment}"
  dr_account      = try(data.aws_caller_identity.dr[0].account_id, "")

  # modules/dr-storage names buckets <name>-<purpose>-<account>-<region>
  dr_bucket = {
    for k in keys(var.dr.buckets) : k => {
      primary = "${local.dr_name}-${k}-${local.dr_account}-${var.primary_region}"
      replica = "${local.dr_name}-${k}-${local.dr_account}-${var.secondary_region}"
    }
  }
  # Snapshots: the primary writes s3://<backup>/<env>/, replication carries them to the same key in the replica;
  # after a failover the secondary backs up to <env>-<secondary region>/ in the replica bucket (failback reads it).
  dr_backup_url_primary  = "s3://${local.dr_bucket["backup"].primary}/${var.environment}"
  dr_backup_url_replica  = "s3://${local.dr_bucket["backup"].replica}/${var.environment}"
  dr_backup_url_failback = "s3://${local.dr_bucket["backup"].replica}/${var.environment}-${var.secondary_region}"

  dr_primary_key_arn = try(module.dr_storage.primary_kms_key_arn, null)
  dr_replica_key_arn = try(data.aws_kms_key.dr_replica[0].arn, null)

  # What this region's MWAA environment needs for dags/dr_backup.py and dags/dr_restore.py: merge into the
  # environment's airflow_configuration_options and execution role (see outputs_dr.tf: dr_environment_settings).
  dr_settings = !local.dr_enabled ? null : local.role == "primary" ? {
    airflow_configuration_options = {
      "mwaa_platform.dr_backup_url" = local.dr_backup_url_primary
      "mwaa_platform.dr_kms_key_id" = coalesce(local.dr_primary_key_arn, "pending")
    }
    execution_role_statements = [
      { sid = "DrBackupObjects", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = ["arn:aws:s3:::${local.dr_bucket["backup"].primary}/${var.environment}/*"] },
      { sid = "DrBackupListing", actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::${local.dr_bucket["backup"].primary}"] },
      { sid = "DrFailbackRead", actions = ["s3:GetObject", "s3:ListBucket"], resources = ["arn:aws:s3:::${local.dr_bucket["backup"].replica}", "arn:aws:s3:::${local.dr_bucket["backup"].replica}/${var.environment}-${var.secondary_region}/*"] },
      { sid = "DrKey", actions = ["kms:GenerateDataKey", "kms:Decrypt"], resources = compact([local.dr_primary_key_arn]) },
    ]
    } : {
    airflow_configuration_options = {
      "mwaa_platform.dr_backup_url" = local.dr_backup_url_failback
      "mwaa_platform.dr_kms_key_id" = coalesce(local.dr_replica_key_arn, "pending")
    }
    execution_role_statements = [
      { sid = "DrRestoreRead", actions = ["s3:GetObject", "s3:ListBucket"], resources = ["arn:aws:s3:::${local.dr_bucket["backup"].replica}", "arn:aws:s3:::${local.dr_bucket["backup"].replica}/${var.environment}/*"] },
      { sid = "DrFailbackBackups", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = ["arn:aws:s3:::${local.dr_bucket["backup"].replica}/${var.environment}-${var.secondary_region}/*"] },
      { sid = "DrKey", actions = ["kms:GenerateDataKey", "kms:Decrypt"], resources = compact([local.dr_replica_key_arn]) },
    ]
  }
  # A statement without resources (no state machine yet: failover.zip not packaged) is left out, not sent empty.
  dr_environment_settings = local.dr_settings == null ? null : {
    airflow_configuration_options = local.dr_settings.airflow_configuration_options
    execution_role_statements     = [for s in local.dr_settings.execution_role_statements : s if length(s.resources) > 0]
  }
}

# The restore DAG's task-token callback to this region's state machine, attached beside the module's policy: the
# state machine's Lambdas carry the role's ARN (backup_restore CreateEnvironment overrides), so the statement cannot
# go into the module's own policy without a dependency cycle.
resource "aws_iam_role_policy" "dr_restore_callback" {
  count = local.dr_enabled && local.role == "secondary" && (local.mwaa_enabled || local.mwaa_kit) && fileexists(local.dr_failover_zip) ? 1 : 0

  name = "dr-restore-callback"
  role = module.mwaa.execution_role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DrRestoreCallback"
      Effect   = "Allow"
      Action   = ["states:SendTaskSuccess", "states:SendTaskFailure"]
      Resource = [module.dr_failover.state_machine_arn]
    }]
  })
}

module "dr_storage" {
  source = "../../modules/dr-storage"
  providers = {
    aws.primary   = aws.dr_primary
    aws.secondary = aws.dr_secondary
  }

  create                   = local.dr_enabled && local.role == "primary"
  name                     = local.dr_name
  buckets                  = var.dr.buckets
  replication_time_control = var.dr.replication_time_control
  access_logs              = { retention_days = var.dr.access_log_retention_days }
  force_destroy            = var.dr.force_destroy
  tags                     = local.tags
}

# A secondary planned from a checkout without the artifact would plan the state machine, its Lambdas and its
# table away: an error at plan, not a warning. The module stays gated on the file so that the error is this one.
resource "terraform_data" "dr_failover_artifact" {
  count = local.dr_enabled && local.role == "secondary" ? 1 : 0

  input = local.dr_failover_zip

  lifecycle {
    precondition {
      condition     = fileexists(local.dr_failover_zip)
      error_message = "${local.dr_failover_zip} is missing: without it this plan would destroy the failover control plane (state machine, Lambdas, table). Run `make package` (scripts/package_lambdas.py builds failover.zip), or set lambda_zip_dir to the directory holding it, and plan again."
    }
  }
}

# Created by the primary workspace's dr_storage (apply the primary first).
data "aws_kms_key" "dr_replica" {
  count = local.dr_enabled && local.role == "secondary" ? 1 : 0

  key_id = "alias/${local.dr_name}-dr-replica"
}

module "dr_failover" {
  source = "../../modules/dr-failover"

  create          = local.dr_enabled && local.role == "secondary" && fileexists(local.dr_failover_zip)
  name            = local.dr_name
  env             = var.environment
  primary_region  = var.primary_region
  environments    = local.mwaa_names
  dr_mode         = var.dr_mode
  lambda_zip_path = local.dr_failover_zip

  storage = {
    config_bucket       = local.dr_bucket["backup"].replica
    kms_key_arn         = coalesce(local.dr_replica_key_arn, "arn:aws:kms:${var.secondary_region}:${local.dr_account}:alias/${local.dr_name}-dr-replica")
    backup_url          = local.dr_backup_url_replica
    failback_backup_url = local.dr_backup_url_failback
  }

  health   = var.dr.health
  schedule = var.dr.schedule
  timeouts = var.dr.timeouts
  restore  = var.dr.restore

  # backup_restore: the recovery kit of mwaa.tf (module.mwaa without the environment) supplies the regional values
  # the stored primary configuration cannot: role, key, security group, the replica DAGs bucket; the DR settings of
  # a secondary environment (failback backups, the replica key).
  secondary_environment = var.dr_mode == "backup_restore" ? {
    execution_role_arn            = var.dr.secondary_execution_role_arn != null ? var.dr.secondary_execution_role_arn : module.mwaa.execution_role_arn
    subnet_ids                    = try(slice(local.subnet_ids, 0, 2), [])
    security_group_ids            = compact([module.mwaa.security_group_id])
    kms_key_arn                   = module.mwaa.kms_key_arn
    source_bucket_arn             = module.mwaa.source_bucket_arn
    airflow_configuration_options = try(local.dr_settings.airflow_configuration_options, {})
    # this region's own version: a secondary upgraded before its primary restores the history forward
    airflow_version = local.airflow_version
  } : null # null: the module's default (nothing is created in warm_standby)

  notification_emails = var.dr.notification_emails
  lambda_environment  = var.dr.lambda_environment
  deletion_protection = var.dr.deletion_protection
  log_retention_days  = var.dr.log_retention_days
  tags                = local.tags
}
