################################################################################
# Accounts, names, ARNs
################################################################################

data "aws_caller_identity" "producer" {
  count    = var.create ? 1 : 0
  provider = aws.producer
}

data "aws_region" "producer" {
  count    = var.create ? 1 : 0
  provider = aws.producer
}

data "aws_caller_identity" "consumer" {
  count    = var.create ? 1 : 0
  provider = aws.consumer
}

data "aws_region" "consumer" {
  count    = var.create ? 1 : 0
  provider = aws.consumer
}

data "aws_partition" "consumer" {
  count    = var.create ? 1 : 0
  provider = aws.consumer
}

locals {
  create   = var.create
  redshift = var.create && var.enable_redshift_serverless

  # "" when not created: names are then computed but never used, and every output is null.
  partition        = try(data.aws_partition.consumer[0].partition, "aws")
  region           = try(data.aws_region.consumer[0].name, "")
  producer_region  = try(data.aws_region.producer[0].name, "")
  producer_account = try(data.aws_caller_identity.producer[0].account_id, "")
  consumer_account = try(data.aws_caller_identity.consumer[0].account_id, "")

  tags = merge(var.tags, { "mwaa-platform:module" = "cross-account-data" })

  # Account A (producer)
  input_bucket        = coalesce(var.producer.input_bucket_name, "${var.name}-input-${local.producer_account}")
  output_bucket       = coalesce(var.producer.output_bucket_name, "${var.name}-output-${local.producer_account}")
  producer_log_bucket = coalesce(var.producer.log_bucket_name, "${var.name}-producer-logs-${local.producer_account}")
  input_bucket_arn    = "arn:${local.partition}:s3:::${local.input_bucket}"
  output_bucket_arn   = "arn:${local.partition}:s3:::${local.output_bucket}"
  unload_role_name    = "${var.name}-producer-unload"
  unload_role_arn     = "arn:${local.partition}:iam::${local.producer_account}:role/${local.unload_role_name}"

  # Account B (consumer)
  staging_bucket      = coalesce(var.consumer.staging_bucket_name, "${var.name}-staging-${local.consumer_account}")
  consumer_log_bucket = coalesce(var.consumer.log_bucket_name, "${var.name}-consumer-logs-${local.consumer_account}")
  staging_bucket_arn  = "arn:${local.partition}:s3:::${local.staging_bucket}"
  glue_role_name      = "${var.name}-glue"
  glue_role_arn       = "arn:${local.partition}:iam::${local.consumer_account}:role/${local.glue_role_name}"
  redshift_role_name  = "${var.name}-redshift"
  redshift_role_arn   = "arn:${local.partition}:iam::${local.consumer_account}:role/${local.redshift_role_name}"
  mwaa_role_arn       = var.consumer.mwaa_execution_role_arn
  mwaa_role_name      = reverse(split("/", var.consumer.mwaa_execution_role_arn))[0]
  mwaa_role_account   = split(":", var.consumer.mwaa_execution_role_arn)[4]

  # The roles in account B that account A grants read access to its input prefix: exactly these two.
  input_readers = [local.glue_role_arn, local.mwaa_role_arn]

  # Staging bucket layout
  script_prefix    = "scripts/"
  curated_prefix   = "curated/"
  glue_temp_prefix = "glue-temp/"

  # Glue
  glue_database               = coalesce(var.glue.database_name, replace(var.name, "-", "_"))
  glue_crawler                = "${var.name}-input"
  glue_job                    = "${var.name}-transform"
  glue_security_configuration = "${var.name}-glue"
  glue_script_path            = coalesce(var.glue.script_path, "${path.module}/glue/transform.py")
  glue_script_key             = "${local.script_prefix}${basename(local.glue_script_path)}"
  # The crawler names the table after the last folder of the include path (lower case, '-' -> '_').
  input_table      = lower(replace("${var.glue.table_prefix}${reverse(split("/", trimsuffix(var.producer.input_prefix, "/")))[0]}", "-", "_"))
  glue_catalog     = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:catalog"
  glue_db_arn      = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:database/${local.glue_database}"
  glue_tables_arn  = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:table/${local.glue_database}/*"
  glue_job_arn     = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:job/${local.glue_job}"
  glue_crawler_arn = "arn:${local.partition}:glue:${local.region}:${local.consumer_account}:crawler/${local.glue_crawler}"
  # Glue writes job and crawler logs to /aws-glue/jobs/... and /aws-glue/crawlers... (names vary with the security configuration).
  glue_log_groups_arn = "arn:${local.partition}:logs:${local.region}:${local.consumer_account}:log-group:/aws-glue/*"
  glue_job_logs_arn   = "arn:${local.partition}:logs:${local.region}:${local.consumer_account}:log-group:/aws-glue/jobs*"

  # Redshift Serverless
  namespace_name = coalesce(var.redshift.namespace_name, var.name)
  workgroup_name = coalesce(var.redshift.workgroup_name, var.name)
  workgroup_arn  = one(aws_redshiftserverless_workgroup.this[*].arn)

  # Secrets Manager backend of the MWAA environment
  secret_arn_prefix        = "arn:${local.partition}:secretsmanager:${local.region}:${local.consumer_account}:secret:"
  airflow_secret_arns      = ["${local.secret_arn_prefix}${var.airflow.connections_prefix}/*", "${local.secret_arn_prefix}${var.airflow.variables_prefix}/*"]
  pipeline_variable_secret = "${var.airflow.variables_prefix}/${var.airflow.pipeline_variable}"
  redshift_conn_secret     = "${var.airflow.connections_prefix}/${var.airflow.redshift_conn_id}"
  unload_conn_secret       = "${var.airflow.connections_prefix}/${var.airflow.unload_conn_id}"
}
