# ----------------------------------------------------------------------------------------------------------
# Access logs bucket
# ----------------------------------------------------------------------------------------------------------

data "aws_elb_service_account" "current" {
  count = local.create_log_bucket ? 1 : 0
}

locals {
  log_bucket_name   = "${var.name}-alb-logs-${local.account}-${local.region}"
  log_delivery_path = "arn:${local.partition}:s3:::${local.log_bucket_name}/${var.access_logs.prefix}/AWSLogs/${local.account}/*"
}

# ALB access log delivery supports only SSE-S3 (AES256), not SSE-KMS.
module "access_logs_bucket" {
  source = "../_bucket"

  create        = local.create_log_bucket
  name          = local.log_bucket_name
  force_destroy = var.access_logs.force_destroy
  sse_algorithm = "AES256"
  lifecycle_rule = {
    id              = "expire-access-logs"
    expiration_days = var.access_logs.expiration_days
    noncurrent_days = 30
  }
  access_logging = var.access_logs.server_access_logs_bucket == null ? null : {
    target_bucket = var.access_logs.server_access_logs_bucket
    target_prefix = "${var.name}-alb-logs/"
  }
  policy_statements = local.create_log_bucket ? [
    # regions from before August 2022 deliver as the regional ELB account, newer ones as the service
    jsonencode({
      Sid       = "ElbLogDelivery"
      Effect    = "Allow"
      Principal = { AWS = data.aws_elb_service_account.current[0].arn }
      Action    = "s3:PutObject"
      Resource  = local.log_delivery_path
    }),
    jsonencode({
      Sid       = "ElbLogDeliveryService"
      Effect    = "Allow"
      Principal = { Service = "logdelivery.elasticloadbalancing.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = local.log_delivery_path
    }),
  ] : []

  tags = local.tags
}

moved {
  from = aws_s3_bucket.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_versioning.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket_policy.access_logs[0]
  to   = module.access_logs_bucket.aws_s3_bucket_policy.this[0]
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

  depends_on = [module.access_logs_bucket]
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
