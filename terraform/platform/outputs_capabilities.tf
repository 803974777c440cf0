output "sso" {
  description = "SSO to the Airflow UI (null unless sso.enabled here): login_urls, logout_url, the ALB (point your alias at alb_dns_name; register https://<alias>/oauth2/idpresponse with the IdP), and table_name for `mwaa-platform sso grant --table`."
  value = local.sso_enabled ? {
    login_urls       = module.sso.login_urls
    logout_url       = module.sso.logout_url
    alb_arn          = module.sso.alb_arn
    alb_dns_name     = module.sso.alb_dns_name
    alb_zone_id      = module.sso.alb_zone_id
    table_name       = module.sso.table_name
    function_name    = module.sso.function_name
    access_role_arns = module.sso.access_role_arns
  } : null
}

output "dag_invokers" {
  description = "DAG invokers of the primary's environment (null unless dag_invokers.enabled here): functions, schedules, dead-letter queues."
  value = local.dag_invokers_enabled ? {
    scheduled_function_arn = module.dag_invokers.scheduled_function_arn
    s3_function_arn        = module.dag_invokers.s3_function_arn
    schedule_group_name    = module.dag_invokers.schedule_group_name
    schedule_arns          = module.dag_invokers.schedule_arns
    s3_rule_arn            = module.dag_invokers.s3_rule_arn
    dlq_arns               = module.dag_invokers.dlq_arns
  } : null
}

output "cross_account_data" {
  description = "The cross-account data pipeline (null unless cross_account_data.enabled here): the producer's buckets and UNLOAD role, Glue, Redshift (null with enable_redshift_serverless = false), the Airflow variable's secret, the Redshift VPC."
  value = local.cross_account_enabled ? {
    producer_account_id          = module.cross_account_data[0].producer_account_id
    input_bucket_name            = module.cross_account_data[0].input_bucket_name
    output_bucket_name           = module.cross_account_data[0].output_bucket_name
    producer_unload_role_arn     = module.cross_account_data[0].producer_unload_role_arn
    staging_bucket_name          = module.cross_account_data[0].staging_bucket_name
    glue_crawler_name            = module.cross_account_data[0].glue_crawler_name
    glue_job_name                = module.cross_account_data[0].glue_job_name
    redshift_workgroup_name      = module.cross_account_data[0].redshift_workgroup_name
    redshift_database_user       = module.cross_account_data[0].redshift_database_user
    pipeline_variable_secret_arn = module.cross_account_data[0].pipeline_variable_secret_arn
    redshift_vpc_id              = module.redshift_network.vpc_id
    vpc_peering_connection_id    = module.cross_account_data[0].vpc_peering_connection_id
  } : null
}
