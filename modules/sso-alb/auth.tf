# ----------------------------------------------------------------------------------------------------------
# Authenticator Lambda
# ----------------------------------------------------------------------------------------------------------

module "authenticator" {
  source = "../_lambda"

  create = local.create
  name   = local.function_name
  functions = {
    authenticator = {
      name        = local.function_name
      description = "SSO to the Airflow UI: verifies the ALB's OIDC JWT, authorizes, redirects with an MWAA web login token"
      handler     = "mwaa_platform.sso.handler.handler"
      timeout     = try(var.authenticator.timeout, null)
    }
  }
  filename             = try(var.authenticator.zip_path, null)
  runtime              = try(var.authenticator.runtime, null)
  memory_size          = try(var.authenticator.memory_size, null)
  reserved_concurrency = try(var.authenticator.reserved_concurrency, null)
  kms_key_arn          = local.kms_key_arn
  environment_variables = local.create ? {
    MWAA_SSO_ALB_ARN        = aws_lb.this[0].arn
    MWAA_SSO_TABLE          = aws_dynamodb_table.authorizations[0].name
    MWAA_SSO_ENVIRONMENTS   = jsonencode({ for key, env in local.environments : key => { name = env.name, region = env.region, roles = env.allowed_roles, hosts = env.host_headers } })
    MWAA_SSO_ACCESS_ROLES   = jsonencode({ for role, r in aws_iam_role.access : role => r.arn })
    MWAA_SSO_USER_CLAIM     = var.claims.user
    MWAA_SSO_GROUPS_CLAIM   = var.claims.groups
    MWAA_SSO_OIDC_ISSUER    = var.oidc.issuer
    MWAA_SSO_OIDC_CLIENT_ID = var.oidc.client_id
    MWAA_SSO_LOGOUT_URL     = var.oidc.logout_url == null ? "" : var.oidc.logout_url
    MWAA_SSO_COOKIE_NAME    = var.oidc.session_cookie_name
    MWAA_SSO_KEY_URL        = var.authenticator.key_url_base == null ? "" : var.authenticator.key_url_base
  } : {}
  log_retention_in_days = try(var.authenticator.log_retention_days, null)
  role = {
    name        = "${var.name}-sso-authenticator"
    description = "Execution role of ${local.function_name}: reads authorizations, assumes the Airflow access roles"
    policy_name = "sso-authenticator"
  }
  policy_statements = concat(
    [
      {
        sid       = "ReadAuthorizations"
        actions   = ["dynamodb:BatchGetItem", "dynamodb:GetItem"]
        resources = [try(aws_dynamodb_table.authorizations[0].arn, "-")]
      },
      {
        sid       = "DecryptEnvironmentAndTable"
        actions   = ["kms:Decrypt", "kms:DescribeKey"]
        resources = [coalesce(local.kms_key_arn, "-")]
      },
    ],
    length(local.airflow_roles) > 0 ? [{
      sid       = "AssumeAirflowAccessRoles"
      actions   = ["sts:AssumeRole"]
      resources = [for role in aws_iam_role.access : role.arn]
    }] : [],
  )
  # In a VPC the module grants the ENI actions, CreateNetworkInterface only in these subnets and groups.
  vpc_config              = local.authenticator_in_vpc ? { subnet_ids = var.authenticator.subnet_ids, security_group_ids = var.authenticator.security_group_ids } : null
  code_signing_config_arn = try(var.authenticator.code_signing_config_arn, null)

  tags = local.tags
}

moved {
  from = aws_iam_role.authenticator[0]
  to   = module.authenticator.aws_iam_role.this[0]
}

moved {
  from = aws_iam_role_policy.authenticator[0]
  to   = module.authenticator.aws_iam_role_policy.this[0]
}

moved {
  from = aws_cloudwatch_log_group.authenticator[0]
  to   = module.authenticator.aws_cloudwatch_log_group.this[0]
}

moved {
  from = aws_lambda_function.authenticator[0]
  to   = module.authenticator.aws_lambda_function.this["authenticator"]
}

# The X-Ray write actions are in the inline policy now (two actions, not the five of AWSXRayDaemonWriteAccess).
removed {
  from = aws_iam_role_policy_attachment.authenticator_xray

  lifecycle {
    destroy = true
  }
}

locals {
  authenticator_arn  = try(module.authenticator.function_arns["authenticator"], null)
  authenticator_name = try(module.authenticator.function_names["authenticator"], null)
}

resource "aws_lambda_permission" "alb" {
  count = local.create ? 1 : 0

  statement_id  = "AllowInvokeFromSsoTargetGroup"
  action        = "lambda:InvokeFunction"
  function_name = local.authenticator_name
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = aws_lb_target_group.authenticator[0].arn
}

# The authenticator is the load balancer's only target: signed-in requests reach it through the listener rules.
resource "aws_lb_target_group" "authenticator" {
  count = local.create ? 1 : 0

  name                               = "${var.name}-sso-auth"
  target_type                        = "lambda"
  lambda_multi_value_headers_enabled = true
  tags                               = local.tags
}

resource "aws_lb_target_group_attachment" "authenticator" {
  count = local.create ? 1 : 0

  target_group_arn = aws_lb_target_group.authenticator[0].arn
  target_id        = local.authenticator_arn

  depends_on = [aws_lambda_permission.alb]
}
