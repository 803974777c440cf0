output "input_bucket_name" {
  description = "Account A input bucket."
  value       = module.cross_account_data.input_bucket_name
}

output "output_bucket_name" {
  description = "Account A output bucket."
  value       = module.cross_account_data.output_bucket_name
}

output "staging_bucket_name" {
  description = "Account B staging bucket."
  value       = module.cross_account_data.staging_bucket_name
}

output "glue_role_arn" {
  description = "Glue role (account B)."
  value       = module.cross_account_data.glue_role_arn
}

output "mwaa_execution_role_arn" {
  description = "The stand-in MWAA execution role (account B)."
  value       = aws_iam_role.mwaa_execution.arn
}

output "redshift_role_arn" {
  description = "RoleB (account B)."
  value       = module.cross_account_data.redshift_role_arn
}

output "producer_unload_role_arn" {
  description = "RoleA (account A)."
  value       = module.cross_account_data.producer_unload_role_arn
}

output "airflow_configuration_options" {
  description = "Secrets Manager backend settings for the MWAA environment."
  value       = module.cross_account_data.airflow_configuration_options
}

output "pipeline_config" {
  description = "The Airflow variable the DAG reads."
  value       = module.cross_account_data.pipeline_config
}

output "redshift_endpoint" {
  description = "Workgroup endpoint (null when Redshift Serverless is off)."
  value       = module.cross_account_data.redshift_endpoint
}

output "redshift_admin_secret_arn" {
  description = "Redshift-managed admin secret (null when Redshift Serverless is off)."
  value       = module.cross_account_data.redshift_admin_secret_arn
}

output "redshift_connection_secret_arn" {
  description = "The Airflow Redshift connection (IAM authentication, no password), written by the module."
  value       = module.cross_account_data.redshift_connection_secret_arn
}

output "redshift_database_name" {
  description = "Database of the namespace."
  value       = module.cross_account_data.redshift_database_name
}

output "redshift_admin_username" {
  description = "Admin user of the namespace."
  value       = module.cross_account_data.redshift_admin_username
}

output "disabled_outputs" {
  description = "Every output of the create = false call (all null)."
  value = {
    input_bucket_name             = module.cross_account_data_disabled.input_bucket_name
    glue_role_arn                 = module.cross_account_data_disabled.glue_role_arn
    airflow_configuration_options = module.cross_account_data_disabled.airflow_configuration_options
    pipeline_config               = module.cross_account_data_disabled.pipeline_config
  }
}

output "input_kms_key_arn" {
  description = "KMS key of the input bucket (account A)."
  value       = module.cross_account_data.input_kms_key_arn
}

output "unload_connection_secret_arn" {
  description = "Airflow connection with the UNLOAD role chain."
  value       = module.cross_account_data.unload_connection_secret_arn
}

output "pipeline_variable_secret_arn" {
  description = "Airflow variable data_pipeline."
  value       = module.cross_account_data.pipeline_variable_secret_arn
}
