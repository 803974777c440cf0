# ----------------------------------------------------------------------------------------------------------------
# DAG invokers (dag_invokers.enabled): schedules and S3 uploads start DAG runs in the primary's environment
# through InvokeRestApi (allowed on that one environment ARN only). Primary only, see variables_invokers.tf.
# ----------------------------------------------------------------------------------------------------------------
locals {
  dag_invokers_enabled = var.dag_invokers.enabled && local.mwaa_enabled && local.role == "primary"
}

module "dag_invokers" {
  source = "../../modules/dag-invokers"

  create          = local.dag_invokers_enabled
  name            = "${local.name}-invokers"
  environment_arn = local.dag_invokers_enabled ? module.mwaa.arn : null
  airflow_version = local.dag_invokers_enabled ? local.airflow_version : null
  lambda_zip_path = local.dag_invokers_enabled ? "${var.lambda_zip_dir}/airflow_api.zip" : null

  flows      = var.dag_invokers.flows
  s3_trigger = var.dag_invokers.s3_trigger

  lambda = {
    vpc_config = local.dag_invokers_enabled && var.dag_invokers.in_vpc ? {
      subnet_ids         = local.subnet_ids
      security_group_ids = [module.mwaa.security_group_id]
    } : null
    reserved_concurrency  = var.dag_invokers.reserved_concurrency
    log_retention_in_days = var.dag_invokers.log_retention_in_days
  }

  tags = local.tags
}
