module "context" {
  source = "../_aws_context"
  create = var.create
}

locals {
  create    = var.create
  partition = module.context.partition
  region    = module.context.region
  account   = module.context.account_id

  create_kms_key = local.create && var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  create_log_bucket = local.create && var.access_logs.bucket == null
  log_bucket        = local.create_log_bucket ? module.access_logs_bucket.name : var.access_logs.bucket

  function_name  = "${var.name}-authenticator"
  log_group_name = "/aws/lambda/${local.function_name}"

  environments = {
    for key, env in var.environments : key => {
      name          = env.mwaa_environment_name
      region        = coalesce(env.region, local.region)
      allowed_roles = distinct(env.allowed_roles)
      host_headers  = env.host_headers
    }
  }
  # keys() is sorted, so rule priorities only move when environments are added or removed before them
  environment_keys = keys(local.environments)

  airflow_roles = local.create ? toset(distinct(flatten([for env in values(local.environments) : env.allowed_roles]))) : toset([])
  # Airflow role -> the environments' web-login resources it may open (arn:...:airflow:<region>:<account>:role/<env>/<role>)
  login_resources = {
    for role in local.airflow_roles : role => [
      for env in values(local.environments) :
      "arn:${local.partition}:airflow:${env.region}:${local.account}:role/${env.name}/${role}" if contains(env.allowed_roles, role)
    ]
  }

  client_secret = var.oidc_client_secret != null ? var.oidc_client_secret : (
    local.create && try(var.oidc.client_secret_arn, null) != null ? (
      try(var.oidc.client_secret_json_key, null) != null
      ? jsondecode(data.aws_secretsmanager_secret_version.client_secret[0].secret_string)[var.oidc.client_secret_json_key]
      : data.aws_secretsmanager_secret_version.client_secret[0].secret_string
    ) : null
  )

  # "index" and "path:<key>" -> priority and path patterns of the signed-in listener rules. Host names
  # (host_headers) need no rule of their own: "/" reaches the Lambda through the index rule, which maps the host.
  authenticated_rules = merge(
    { index = { priority = 2, paths = ["/"], tags = {} } },
    { for i, key in local.environment_keys : "path:${key}" => {
      priority = 100 + i, paths = ["/${key}", "/${key}/*"], tags = { "mwaa-environment" = local.environments[key].name }
    } },
  )

  # keyed by list position, not id: route table ids are often unknown until apply
  same_side_peerings = { for k, p in var.vpc_peerings : k => p if p.peer_region == null && p.peer_owner_id == null }
  peering_routes = merge([
    for k, p in var.vpc_peerings : { for i, rt in p.route_table_ids : "${k}:${i}" => { peering = k, route_table_id = rt, cidr = p.peer_cidr_block } }
  ]...)
  peer_routes = merge([
    for k, p in local.same_side_peerings : { for i, rt in p.peer_route_table_ids : "${k}:${i}" => { peering = k, route_table_id = rt } }
  ]...)

  authenticator_in_vpc = local.create && length(try(var.authenticator.subnet_ids, [])) > 0

  # The module's own web ACL unless the caller brings one or opts out (variables waf_web_acl_arn, create_waf_web_acl).
  create_waf_web_acl = local.create && var.waf_web_acl_arn == null && var.create_waf_web_acl
  waf_web_acl_arn    = var.waf_web_acl_arn != null ? var.waf_web_acl_arn : try(aws_wafv2_web_acl.this[0].arn, null)
  waf_log_group_name = "aws-waf-logs-${var.name}-sso"

  tags = merge(var.tags, { "mwaa-platform:module" = "sso-alb" })
}

# ----------------------------------------------------------------------------------------------------------
# KMS key (table, Lambda environment, log group)
# ----------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "kms" {
  count = local.create_kms_key ? 1 : 0

  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  statement {
    sid       = "AccountAdministersTheKeyThroughIAM"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  statement {
    sid       = "LambdaLogGroupEncryption"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group_name}",
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.waf_log_group_name}",
      ]
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "${var.name}: SSO authorization table, authenticator environment and logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-sso"
  target_key_id = aws_kms_key.this[0].key_id
}
