data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

data "aws_region" "current" {
  count = var.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  create    = var.create
  partition = try(data.aws_partition.current[0].partition, "aws")
  region    = try(data.aws_region.current[0].name, "")
  account   = try(data.aws_caller_identity.current[0].account_id, "")

  create_kms_key = local.create && var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  create_log_bucket = local.create && var.access_logs.bucket == null
  log_bucket        = local.create_log_bucket ? aws_s3_bucket.access_logs[0].id : var.access_logs.bucket

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
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group_name}"]
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

# ----------------------------------------------------------------------------------------------------------
# Authorization table: principal (user:<id> | group:<name>) + environment -> Airflow role
# ----------------------------------------------------------------------------------------------------------

resource "aws_dynamodb_table" "authorizations" {
  count = local.create ? 1 : 0

  name                        = "${var.name}-sso-authorizations"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "principal"
  range_key                   = "environment"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "principal"
    type = "S"
  }

  attribute {
    name = "environment"
    type = "S"
  }

  global_secondary_index {
    name            = "by-environment"
    hash_key        = "environment"
    range_key       = "principal"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = local.tags
}

# ----------------------------------------------------------------------------------------------------------
# Access roles: one per Airflow role, allowed to create web login tokens for that role only
# ----------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "access_trust" {
  count = local.create ? 1 : 0

  statement {
    sid     = "OnlyTheAuthenticator"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.authenticator[0].arn]
    }
  }
}

resource "aws_iam_role" "access" {
  for_each = local.airflow_roles

  name                 = "${var.name}-airflow-${lower(each.key)}"
  description          = "Creates MWAA web login tokens as Airflow ${each.key} for SSO users (assumed by ${local.function_name} only)"
  assume_role_policy   = data.aws_iam_policy_document.access_trust[0].json
  max_session_duration = 3600
  tags                 = merge(local.tags, { "airflow-role" = each.key })
}

data "aws_iam_policy_document" "access" {
  for_each = local.airflow_roles

  statement {
    sid       = "WebLoginAs${each.key}"
    actions   = ["airflow:CreateWebLoginToken"]
    resources = local.login_resources[each.key]
  }
}

resource "aws_iam_role_policy" "access" {
  for_each = local.airflow_roles

  name   = "create-web-login-token"
  role   = aws_iam_role.access[each.key].id
  policy = data.aws_iam_policy_document.access[each.key].json
}

# ----------------------------------------------------------------------------------------------------------
# Authenticator Lambda
# ----------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "authenticator_trust" {
  count = local.create ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "authenticator" {
  count = local.create ? 1 : 0

  name               = "${var.name}-sso-authenticator"
  description        = "Execution role of ${local.function_name}: reads authorizations, assumes the Airflow access roles"
  assume_role_policy = data.aws_iam_policy_document.authenticator_trust[0].json
  tags               = local.tags
}

data "aws_iam_policy_document" "authenticator" {
  count = local.create ? 1 : 0

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.authenticator[0].arn}:*"]
  }

  statement {
    sid       = "ReadAuthorizations"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.authorizations[0].arn]
  }

  statement {
    sid       = "DecryptEnvironmentAndTable"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [local.kms_key_arn]
  }

  dynamic "statement" {
    for_each = length(local.airflow_roles) > 0 ? [1] : []
    content {
      sid       = "AssumeAirflowAccessRoles"
      actions   = ["sts:AssumeRole"]
      resources = [for role in aws_iam_role.access : role.arn]
    }
  }
}

resource "aws_iam_role_policy" "authenticator" {
  count = local.create ? 1 : 0

  name   = "sso-authenticator"
  role   = aws_iam_role.authenticator[0].id
  policy = data.aws_iam_policy_document.authenticator[0].json
}

resource "aws_iam_role_policy_attachment" "authenticator_xray" {
  count = local.create ? 1 : 0

  role       = aws_iam_role.authenticator[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_iam_role_policy_attachment" "authenticator_vpc" {
  count = local.create && length(try(var.authenticator.subnet_ids, [])) > 0 ? 1 : 0

  role       = aws_iam_role.authenticator[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_cloudwatch_log_group" "authenticator" {
  count = local.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.authenticator.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_lambda_function" "authenticator" {
  count = local.create ? 1 : 0

  #checkov:skip=CKV_AWS_116:The ALB invokes synchronously and shows the result to the user; there is no asynchronous event to dead-letter.
  #checkov:skip=CKV_AWS_117:VPC placement is optional (authenticator.subnet_ids); the function only calls AWS APIs and the ELB public key endpoint.
  #checkov:skip=CKV_AWS_272:Code signing is optional (authenticator.code_signing_config_arn); the zip is built reproducibly by scripts/package_lambda.py.
  function_name                  = local.function_name
  description                    = "SSO to the Airflow UI: verifies the ALB's OIDC JWT, authorizes, redirects with an MWAA web login token"
  role                           = aws_iam_role.authenticator[0].arn
  filename                       = var.authenticator.zip_path
  source_code_hash               = filebase64sha256(var.authenticator.zip_path)
  handler                        = "mwaa_platform.sso.handler.handler"
  runtime                        = var.authenticator.runtime
  architectures                  = ["x86_64"]
  memory_size                    = var.authenticator.memory_size
  timeout                        = var.authenticator.timeout
  reserved_concurrent_executions = var.authenticator.reserved_concurrency
  kms_key_arn                    = local.kms_key_arn
  code_signing_config_arn        = var.authenticator.code_signing_config_arn

  environment {
    variables = {
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
    }
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "vpc_config" {
    for_each = length(var.authenticator.subnet_ids) > 0 ? [1] : []
    content {
      subnet_ids         = var.authenticator.subnet_ids
      security_group_ids = var.authenticator.security_group_ids
    }
  }

  tags = local.tags

  depends_on = [aws_cloudwatch_log_group.authenticator, aws_iam_role_policy.authenticator]
}

resource "aws_lambda_permission" "alb" {
  count = local.create ? 1 : 0

  statement_id  = "AllowInvokeFromSsoTargetGroup"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authenticator[0].function_name
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = aws_lb_target_group.authenticator[0].arn
}

# ----------------------------------------------------------------------------------------------------------
# Access logs bucket
# ----------------------------------------------------------------------------------------------------------

data "aws_elb_service_account" "current" {
  count = local.create_log_bucket ? 1 : 0
}

resource "aws_s3_bucket" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  #checkov:skip=CKV_AWS_144:Access logs are kept in the load balancer's region; cross-region replication of logs is the account's log archive's job.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events of new log objects here.
  #checkov:skip=CKV_AWS_18:Server access logging is enabled when access_logs.server_access_logs_bucket is given; a log bucket logging to itself would loop.
  #checkov:skip=CKV_AWS_145:ALB access log delivery supports only SSE-S3 (AES256), not SSE-KMS.
  bucket        = "${var.name}-alb-logs-${local.account}-${local.region}"
  force_destroy = var.access_logs.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.access_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_logs.expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

resource "aws_s3_bucket_logging" "access_logs" {
  count = local.create_log_bucket && var.access_logs.server_access_logs_bucket != null ? 1 : 0

  bucket        = aws_s3_bucket.access_logs[0].id
  target_bucket = var.access_logs.server_access_logs_bucket
  target_prefix = "${var.name}-alb-logs/"
}

data "aws_iam_policy_document" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs[0].arn, "${aws_s3_bucket.access_logs[0].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "ElbLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs[0].arn}/${var.access_logs.prefix}/AWSLogs/${local.account}/*"]
    principals {
      # regions from before August 2022 deliver as the regional ELB account, newer ones as the service
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current[0].arn]
    }
  }

  statement {
    sid       = "ElbLogDeliveryService"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs[0].arn}/${var.access_logs.prefix}/AWSLogs/${local.account}/*"]
    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  count = local.create_log_bucket ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  policy = data.aws_iam_policy_document.access_logs[0].json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

# ----------------------------------------------------------------------------------------------------------
# Load balancer, security group, listeners
# ----------------------------------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  count = local.create ? 1 : 0

  #checkov:skip=CKV2_AWS_5:Attached to aws_lb.this (security_groups); checkov's graph does not follow the count-indexed reference.

  name        = "${var.name}-sso-alb"
  description = "SSO load balancer for the Airflow UI: HTTPS in from the allowed networks, HTTPS out to the IdP"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-sso-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  for_each = local.create ? toset(var.ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.alb[0].id
  description       = "HTTPS from ${each.key}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.key
  tags              = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  for_each = local.create && var.http_redirect ? toset(var.ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.alb[0].id
  description       = "HTTP from ${each.key} (redirected to HTTPS)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.key
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "idp" {
  count = local.create ? 1 : 0

  security_group_id = aws_security_group.alb[0].id
  description       = "HTTPS to the identity provider's token and user info endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  tags              = local.tags
}

resource "aws_lb" "this" {
  count = local.create ? 1 : 0

  #checkov:skip=CKV2_AWS_28:A WAF web ACL is associated when waf_web_acl_arn is given (recommended for internet-facing use); the default is an internal ALB.
  #checkov:skip=CKV2_AWS_76:A WAF web ACL (with the AWSManagedRulesKnownBadInputsRuleSet) is associated when waf_web_acl_arn is given.
  name                       = "${var.name}-sso"
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.alb[0].id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  access_logs {
    enabled = true
    bucket  = local.log_bucket
    prefix  = var.access_logs.prefix
  }

  tags = local.tags

  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_wafv2_web_acl_association" "this" {
  count = local.create && var.waf_web_acl_arn != null ? 1 : 0

  resource_arn = aws_lb.this[0].arn
  web_acl_arn  = var.waf_web_acl_arn
}

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
  target_id        = aws_lambda_function.authenticator[0].arn

  depends_on = [aws_lambda_permission.alb]
}

data "aws_secretsmanager_secret_version" "client_secret" {
  count = local.create && var.oidc_client_secret == null ? 1 : 0

  secret_id = var.oidc.client_secret_arn
}

resource "aws_lb_listener" "https" {
  count = local.create ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  # Signs the user in (this also serves the IdP callback /oauth2/idpresponse), then answers unknown paths
  # without invoking the Lambda; the rules below route / , /logout and the environments.
  default_action {
    type  = "authenticate-oidc"
    order = 1
    authenticate_oidc {
      issuer                              = var.oidc.issuer
      authorization_endpoint              = var.oidc.authorization_endpoint
      token_endpoint                      = var.oidc.token_endpoint
      user_info_endpoint                  = var.oidc.user_info_endpoint
      client_id                           = var.oidc.client_id
      client_secret                       = local.client_secret
      scope                               = var.oidc.scope
      session_cookie_name                 = var.oidc.session_cookie_name
      session_timeout                     = var.oidc.session_timeout
      on_unauthenticated_request          = "authenticate"
      authentication_request_extra_params = var.oidc.authentication_request_extra_params
    }
  }

  default_action {
    type  = "fixed-response"
    order = 2
    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
      message_body = "Not found. Open / for the Airflow environments you can use."
    }
  }

  tags = local.tags
}

resource "aws_lb_listener_certificate" "additional" {
  for_each = local.create ? toset(var.additional_certificate_arns) : toset([])

  listener_arn    = aws_lb_listener.https[0].arn
  certificate_arn = each.key
}

resource "aws_lb_listener" "http" {
  count = local.create && var.http_redirect ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = local.tags
}

# ----------------------------------------------------------------------------------------------------------
# Listener rules: /logout (no sign-in), then signed-in rules: / (index, or the environment of the host
# name) and per environment /<key>, /<key>/*
# ----------------------------------------------------------------------------------------------------------

resource "aws_lb_listener_rule" "logout" {
  count = local.create ? 1 : 0

  listener_arn = aws_lb_listener.https[0].arn
  priority     = 1

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.authenticator[0].arn
  }

  condition {
    path_pattern {
      values = ["/logout"]
    }
  }

  tags = merge(local.tags, { Name = "${var.name}-sso-logout" })
}

resource "aws_lb_listener_rule" "authenticated" {
  for_each = local.create ? local.authenticated_rules : {}

  listener_arn = aws_lb_listener.https[0].arn
  priority     = each.value.priority

  action {
    type  = "authenticate-oidc"
    order = 1
    authenticate_oidc {
      issuer                              = var.oidc.issuer
      authorization_endpoint              = var.oidc.authorization_endpoint
      token_endpoint                      = var.oidc.token_endpoint
      user_info_endpoint                  = var.oidc.user_info_endpoint
      client_id                           = var.oidc.client_id
      client_secret                       = local.client_secret
      scope                               = var.oidc.scope
      session_cookie_name                 = var.oidc.session_cookie_name
      session_timeout                     = var.oidc.session_timeout
      on_unauthenticated_request          = "authenticate"
      authentication_request_extra_params = var.oidc.authentication_request_extra_params
    }
  }

  action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.authenticator[0].arn
  }

  condition {
    path_pattern {
      values = each.value.paths
    }
  }

  tags = merge(local.tags, { Name = "${var.name}-sso-${replace(each.key, ":", "-")}" }, each.value.tags)
}

# ----------------------------------------------------------------------------------------------------------
# VPC peering to private web servers
# ----------------------------------------------------------------------------------------------------------

data "aws_vpc" "this" {
  count = local.create && length(local.peer_routes) > 0 ? 1 : 0

  id = var.vpc_id
}

resource "aws_vpc_peering_connection" "private_webserver" {
  for_each = local.create ? var.vpc_peerings : {}

  vpc_id        = var.vpc_id
  peer_vpc_id   = each.value.peer_vpc_id
  peer_region   = each.value.peer_region
  peer_owner_id = each.value.peer_owner_id
  auto_accept   = each.value.peer_region == null && each.value.peer_owner_id == null
  tags          = merge(local.tags, { Name = "${var.name}-sso-${each.key}" })
}

resource "aws_route" "to_private_webserver" {
  for_each = local.create ? local.peering_routes : {}

  route_table_id            = each.value.route_table_id
  destination_cidr_block    = each.value.cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.private_webserver[each.value.peering].id
}

resource "aws_route" "from_private_webserver" {
  for_each = local.create ? local.peer_routes : {}

  route_table_id            = each.value.route_table_id
  destination_cidr_block    = data.aws_vpc.this[0].cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.private_webserver[each.value.peering].id
}
