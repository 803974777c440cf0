################################################################################
# Account B: Redshift Serverless (off when enable_redshift_serverless = false, e.g. ENV=local)
################################################################################

resource "aws_security_group" "redshift" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  name_prefix = "${var.name}-redshift-"
  description = "${var.name}: Redshift Serverless workgroup, SQL from the MWAA VPC over the peering"
  vpc_id      = var.network.redshift_vpc.id
  tags        = merge(local.tags, { Name = "${var.name}-redshift" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redshift_from_mwaa" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  security_group_id = aws_security_group.redshift[0].id
  description       = "SQL from the MWAA VPC (peering)"
  ip_protocol       = "tcp"
  from_port         = var.redshift.port
  to_port           = var.redshift.port
  cidr_ipv4         = var.network.mwaa_vpc.cidr_block
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "redshift_to_s3" {
  count    = local.redshift && var.network.create_s3_gateway_endpoint ? 1 : 0
  provider = aws.consumer

  security_group_id = aws_security_group.redshift[0].id
  description       = "COPY/UNLOAD through the S3 gateway endpoint (enhanced VPC routing)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
  tags              = local.tags
}

resource "aws_redshiftserverless_namespace" "this" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  namespace_name                   = local.namespace_name
  db_name                          = var.redshift.database_name
  admin_username                   = var.redshift.admin_username
  manage_admin_password            = true
  admin_password_secret_kms_key_id = aws_kms_key.consumer[0].arn
  kms_key_id                       = aws_kms_key.consumer[0].arn
  iam_roles                        = [aws_iam_role.redshift[0].arn]
  default_iam_role_arn             = aws_iam_role.redshift[0].arn
  log_exports                      = var.redshift.log_exports
  tags                             = local.tags
}

resource "aws_redshiftserverless_workgroup" "this" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  namespace_name       = aws_redshiftserverless_namespace.this[0].namespace_name
  workgroup_name       = local.workgroup_name
  base_capacity        = var.redshift.base_capacity
  max_capacity         = var.redshift.max_capacity
  port                 = var.redshift.port
  enhanced_vpc_routing = true
  publicly_accessible  = false
  subnet_ids           = var.network.redshift_vpc.subnet_ids
  security_group_ids   = [aws_security_group.redshift[0].id]

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }
  config_parameter {
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }
  tags = local.tags
}

# Schema, tables, procedures and the pipeline's database user, run once as the namespace admin through the Data
# API (one statement per file). The pipeline connects as the MWAA role's IAM identity, which Redshift Serverless
# maps to the database user IAMR:<role name>: it may use the schema, run the two SECURITY DEFINER procedures and
# read the daily aggregate (UNLOAD), nothing else.
locals {
  pipeline_db_user = "IAMR:${local.mwaa_role_name}"

  sql_setup = {
    for k, file in {
      schema         = "01_schema.sql"
      staging        = "02_staging_table.sql"
      daily          = "03_daily_table.sql"
      procedure      = "04_load_procedure.sql"
      clear_staging  = "05_clear_staging_procedure.sql"
      pipeline_user  = "06_pipeline_user.sql"
      usage          = "07_grant_usage.sql"
      execute        = "08_grant_execute.sql"
      revoke_execute = "09_revoke_execute_public.sql"
      select_daily   = "10_grant_select_daily.sql"
    } : k => trimspace(templatefile("${path.module}/sql/${file}", { schema = var.redshift.schema_name, db_user = local.pipeline_db_user })) if local.redshift
  }
  pipeline_grants = local.redshift ? ["usage", "execute", "revoke_execute", "select_daily"] : []
}

resource "aws_redshiftdata_statement" "schema" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["schema"]
}

resource "aws_redshiftdata_statement" "staging_table" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["staging"]
  depends_on     = [aws_redshiftdata_statement.schema]
}

resource "aws_redshiftdata_statement" "daily_table" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["daily"]
  depends_on     = [aws_redshiftdata_statement.schema]
}

resource "aws_redshiftdata_statement" "load_procedure" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["procedure"]
  depends_on     = [aws_redshiftdata_statement.staging_table, aws_redshiftdata_statement.daily_table]
}

resource "aws_redshiftdata_statement" "clear_staging" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["clear_staging"]
  depends_on     = [aws_redshiftdata_statement.staging_table]
}

# The MWAA role's database user, created ahead of its first IAM sign-in so that the grants below have a grantee.
resource "aws_redshiftdata_statement" "pipeline_user" {
  count    = local.redshift ? 1 : 0
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup["pipeline_user"]
  depends_on     = [aws_redshiftdata_statement.schema]
}

resource "aws_redshiftdata_statement" "pipeline_grants" {
  for_each = toset(local.pipeline_grants)
  provider = aws.consumer

  workgroup_name = aws_redshiftserverless_workgroup.this[0].workgroup_name
  database       = var.redshift.database_name
  secret_arn     = aws_redshiftserverless_namespace.this[0].admin_password_secret_arn
  sql            = local.sql_setup[each.key]
  depends_on = [
    aws_redshiftdata_statement.pipeline_user, aws_redshiftdata_statement.load_procedure,
    aws_redshiftdata_statement.clear_staging, aws_redshiftdata_statement.daily_table,
  ]
}
