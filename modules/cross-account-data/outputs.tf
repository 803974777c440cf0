################################################################################
# Account A (producer)
################################################################################

output "producer_account_id" {
  description = "Account A, the owner of the input and output buckets."
  value       = one(data.aws_caller_identity.producer[*].account_id)
}

output "input_bucket_name" {
  description = "Account A bucket the pipeline reads (hive-style prefix input_prefix)."
  value       = try(module.producer_bucket["input"].id, null)
}

output "input_bucket_arn" {
  description = "ARN of the input bucket."
  value       = try(module.producer_bucket["input"].arn, null)
}

output "input_kms_key_arn" {
  description = "KMS key of the input bucket (Glue and MWAA roles of account B may decrypt through S3)."
  value       = try(aws_kms_key.producer["input"].arn, null)
}

output "output_bucket_name" {
  description = "Account A bucket Redshift UNLOADs into (prefix output_prefix)."
  value       = try(module.producer_bucket["output"].id, null)
}

output "output_bucket_arn" {
  description = "ARN of the output bucket."
  value       = try(module.producer_bucket["output"].arn, null)
}

output "output_kms_key_arn" {
  description = "KMS key of the output bucket (used by RoleA for UNLOAD ... KMS_KEY_ID)."
  value       = try(aws_kms_key.producer["output"].arn, null)
}

output "producer_log_bucket_name" {
  description = "Account A bucket receiving S3 server access logs of the input and output buckets."
  value       = module.producer_logs_bucket.id
}

output "producer_unload_role_arn" {
  description = "RoleA: trusted by RoleB only, writes output_prefix of the output bucket."
  value       = one(aws_iam_role.producer_unload[*].arn)
}

################################################################################
# Account B (consumer)
################################################################################

output "consumer_account_id" {
  description = "Account B, where MWAA, Glue and Redshift Serverless run."
  value       = one(data.aws_caller_identity.consumer[*].account_id)
}

output "consumer_kms_key_arn" {
  description = "KMS key of account B for the staging bucket, the Airflow secrets, Glue and Redshift."
  value       = one(aws_kms_key.consumer[*].arn)
}

output "staging_bucket_name" {
  description = "Account B bucket with the Glue script (scripts/), curated Parquet (curated/) and Glue temp files."
  value       = module.staging_bucket.id
}

output "consumer_log_bucket_name" {
  description = "Account B bucket receiving S3 server access logs of the staging bucket."
  value       = module.consumer_logs_bucket.id
}

output "glue_role_arn" {
  description = "Role of the Glue crawler and job."
  value       = one(aws_iam_role.glue[*].arn)
}

output "redshift_role_arn" {
  description = "RoleB: Redshift Serverless default role, COPY from staging, chains into RoleA."
  value       = one(aws_iam_role.redshift[*].arn)
}

output "unload_role_chain" {
  description = "The IAM_ROLE chain for UNLOAD into account A: \"<RoleB arn>,<RoleA arn>\"."
  value       = local.create ? "${aws_iam_role.redshift[0].arn},${aws_iam_role.producer_unload[0].arn}" : null
}

output "mwaa_policy_name" {
  description = "Inline policy added to the MWAA execution role (secrets, input sensing, Glue, Redshift Data)."
  value       = one(aws_iam_role_policy.mwaa[*].name)
}

output "glue_database_name" {
  description = "Glue catalog database the crawler writes to."
  value       = one(aws_glue_catalog_database.this[*].name)
}

output "glue_table_name" {
  description = "Table name the crawler creates for the input prefix (table_prefix + last folder of input_prefix)."
  value       = local.create ? local.input_table : null
}

output "glue_crawler_name" {
  description = "Crawler over the input prefix of account A's input bucket."
  value       = one(aws_glue_crawler.input[*].name)
}

output "glue_job_name" {
  description = "Glue transform job (script uploaded to the staging bucket)."
  value       = one(aws_glue_job.transform[*].name)
}

output "glue_script_s3_uri" {
  description = "Where Terraform uploaded the Glue job script."
  value       = local.create ? "s3://${local.staging_bucket}/${aws_s3_object.glue_script[0].key}" : null
}

output "vpc_peering_connection_id" {
  description = "Peering between the MWAA VPC and the Redshift VPC."
  value       = one(aws_vpc_peering_connection.mwaa_redshift[*].id)
}

output "s3_gateway_endpoint_id" {
  description = "S3 gateway endpoint in the Redshift VPC."
  value       = one(aws_vpc_endpoint.s3[*].id)
}

output "secretsmanager_endpoint_id" {
  description = "Secrets Manager interface endpoint in the MWAA VPC."
  value       = try(aws_vpc_endpoint.secretsmanager["secretsmanager"].id, null)
}

################################################################################
# Redshift Serverless (null when enable_redshift_serverless = false)
################################################################################

output "redshift_namespace_name" {
  description = "Redshift Serverless namespace."
  value       = one(aws_redshiftserverless_namespace.this[*].namespace_name)
}

output "redshift_workgroup_name" {
  description = "Redshift Serverless workgroup."
  value       = one(aws_redshiftserverless_workgroup.this[*].workgroup_name)
}

output "redshift_workgroup_arn" {
  description = "ARN of the workgroup (the MWAA role may run Data API statements on it)."
  value       = one(aws_redshiftserverless_workgroup.this[*].arn)
}

output "redshift_endpoint" {
  description = "Workgroup endpoint {address, port} reached from the MWAA VPC over the peering."
  value = local.redshift ? {
    address = aws_redshiftserverless_workgroup.this[0].endpoint[0].address
    port    = aws_redshiftserverless_workgroup.this[0].endpoint[0].port
  } : null
}

output "redshift_database_name" {
  description = "Database of the namespace."
  value       = local.redshift ? var.redshift.database_name : null
}

output "redshift_admin_username" {
  description = "Admin user of the namespace (its password lives only in the Redshift-managed secret)."
  value       = local.redshift ? var.redshift.admin_username : null
}

output "redshift_admin_secret_arn" {
  description = "Secret that Redshift manages (and can rotate) for the admin password: for the SQL bootstrap and break-glass only; the pipeline never reads it."
  value       = one(aws_redshiftserverless_namespace.this[*].admin_password_secret_arn)
}

################################################################################
# Airflow (Secrets Manager backend)
################################################################################

output "airflow_configuration_options" {
  description = "Pass to the MWAA environment (mwaa-environment module) so Airflow reads connections and variables from Secrets Manager."
  value = local.create ? {
    "secrets.backend" = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    "secrets.backend_kwargs" = jsonencode({
      connections_prefix = var.airflow.connections_prefix
      variables_prefix   = var.airflow.variables_prefix
    })
  } : null
}

output "pipeline_config" {
  description = "The JSON stored as Airflow variable <pipeline_variable> for dags/data_pipeline.py."
  value       = local.create ? local.pipeline_config : null
}

output "pipeline_variable_secret_arn" {
  description = "Secret holding the pipeline variable."
  value       = one(aws_secretsmanager_secret.pipeline_variable[*].arn)
}

output "unload_connection_secret_arn" {
  description = "Secret holding the Airflow connection with the UNLOAD role chain."
  value       = one(aws_secretsmanager_secret.unload_connection[*].arn)
}

output "redshift_connection_secret_arn" {
  description = "Secret holding the Airflow Redshift connection (IAM authentication, no password), written by Terraform."
  value       = one(aws_secretsmanager_secret.redshift_connection[*].arn)
}

output "redshift_database_user" {
  description = "Database user the pipeline runs as: the MWAA execution role's IAM identity (IAMR:<role name>)."
  value       = local.redshift ? local.pipeline_db_user : null
}

output "redshift_connection_id" {
  description = "Airflow connection id of the Redshift connection."
  value       = local.redshift ? var.airflow.redshift_conn_id : null
}
