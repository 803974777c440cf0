################################################################################
# Account B: Airflow configuration in Secrets Manager (the MWAA secrets backend reads it)
################################################################################

locals {
  pipeline_config = {
    region             = local.region
    input_bucket       = local.input_bucket
    input_prefix       = var.producer.input_prefix
    ready_marker       = "_SUCCESS"
    glue_database      = local.glue_database
    glue_table         = local.input_table
    glue_crawler       = local.glue_crawler
    glue_job           = local.glue_job
    staging_bucket     = local.staging_bucket
    curated_prefix     = local.curated_prefix
    redshift_workgroup = local.redshift ? local.workgroup_name : null
    redshift_database  = var.redshift.database_name
    redshift_schema    = var.redshift.schema_name
    redshift_conn_id   = var.airflow.redshift_conn_id
    unload_conn_id     = var.airflow.unload_conn_id
    output_bucket      = local.output_bucket
    output_prefix      = var.producer.output_prefix
    output_kms_key_arn = try(aws_kms_key.producer["output"].arn, null)
  }
}

resource "aws_secretsmanager_secret" "pipeline_variable" {
  #checkov:skip=CKV2_AWS_57:Not a credential: the pipeline's configuration (bucket, crawler, job names) as an Airflow variable.
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                    = local.pipeline_variable_secret
  description             = "Airflow variable ${var.airflow.pipeline_variable} (JSON) for dags/data_pipeline.py; written by Terraform"
  kms_key_id              = aws_kms_key.consumer[0].arn
  recovery_window_in_days = var.consumer.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "pipeline_variable" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  secret_id     = aws_secretsmanager_secret.pipeline_variable[0].id
  secret_string = jsonencode(local.pipeline_config)
}

resource "aws_secretsmanager_secret" "unload_connection" {
  #checkov:skip=CKV2_AWS_57:Not a credential: an Airflow aws connection that only names the role chain RoleB,RoleA for UNLOAD.
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                    = local.unload_conn_secret
  description             = "Airflow connection ${var.airflow.unload_conn_id}: the role chain Redshift uses to UNLOAD into account ${local.producer_account}"
  kms_key_id              = aws_kms_key.consumer[0].arn
  recovery_window_in_days = var.consumer.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "unload_connection" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  secret_id = aws_secretsmanager_secret.unload_connection[0].id
  secret_string = jsonencode({
    conn_type = "aws"
    extra     = { role_arn = "${aws_iam_role.redshift[0].arn},${aws_iam_role.producer_unload[0].arn}" }
  })
}

resource "aws_secretsmanager_secret" "redshift_connection" {
  #checkov:skip=CKV2_AWS_57:Not a credential: an IAM-authenticated Airflow connection (host, database, workgroup); each connection gets a temporary password from redshift-serverless:GetCredentials.
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  name                    = local.redshift_conn_secret
  description             = "Airflow connection ${var.airflow.redshift_conn_id}: Redshift Serverless with IAM authentication as ${local.pipeline_db_user}; no password"
  kms_key_id              = aws_kms_key.consumer[0].arn
  recovery_window_in_days = var.consumer.secret_recovery_window_in_days
  tags                    = local.tags
}

# RedshiftSQLHook with iam + is_serverless calls GetCredentials (the MWAA role, aws_default) for a short-lived
# password of IAMR:<role name>; the admin password stays in the Redshift-managed secret, copied nowhere.
resource "aws_secretsmanager_secret_version" "redshift_connection" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  secret_id = aws_secretsmanager_secret.redshift_connection[0].id
  secret_string = jsonencode({
    conn_type = "redshift"
    host      = aws_redshiftserverless_workgroup.this[0].endpoint[0].address
    port      = aws_redshiftserverless_workgroup.this[0].endpoint[0].port
    schema    = var.redshift.database_name
    extra = {
      iam                   = true
      is_serverless         = true
      serverless_work_group = local.workgroup_name
      region                = local.region
    }
  })
}
