# ----------------------------------------------------------------------------------------------------------------
# Single sign-on to the Airflow UI (sso.enabled). One internal ALB per region in the environment's own VPC, so a
# PRIVATE_ONLY web server is reachable after the redirect without peering. Built wherever this stack runs the
# environment or the backup_restore recovery kit: the environment a failover creates has the same name, and the
# access roles name it, so the secondary's login works as soon as the environment is AVAILABLE there.
# ----------------------------------------------------------------------------------------------------------------
locals {
  sso_enabled = var.sso.enabled && (local.mwaa_enabled || local.mwaa_kit)
  # ALB, Lambda, table and IAM names must differ per region (IAM is global) and stay short (ALB names: 32 chars)
  sso_name    = "${var.environment}-${local.role == "primary" ? "pri" : "sec"}"
  sso_ingress = length(var.sso.ingress_cidr_blocks) > 0 ? var.sso.ingress_cidr_blocks : compact([module.network.vpc_cidr])
  # internal: every private subnet (an ALB wants as many AZs as there are); internet-facing: the public ones
  sso_subnet_ids = !var.sso.internal ? module.network.public_subnet_ids : local.shared_vpc != null ? local.shared_vpc.subnet_ids : module.network.private_subnet_ids
}

module "sso" {
  #checkov:skip=CKV2_AWS_76:The module's own WAF web ACL (AWSManagedRulesKnownBadInputsRuleSet, Log4j) is associated whenever the ALB exists; checkov cannot resolve the gated count through this root (it passes with create = true).
  source = "../../modules/sso-alb"

  create              = local.sso_enabled
  name                = local.sso_name
  vpc_id              = local.sso_enabled ? local.vpc_id : null
  subnet_ids          = local.sso_enabled && local.sso_subnet_ids != null ? local.sso_subnet_ids : []
  internal            = var.sso.internal
  ingress_cidr_blocks = local.sso_ingress
  certificate_arn     = local.sso_enabled ? lookup(var.sso.certificate_arns, var.region, null) : null
  deletion_protection = var.sso.deletion_protection

  oidc = local.sso_enabled ? {
    issuer                 = var.sso.oidc.issuer
    authorization_endpoint = var.sso.oidc.authorization_endpoint
    token_endpoint         = var.sso.oidc.token_endpoint
    user_info_endpoint     = var.sso.oidc.user_info_endpoint
    client_id              = var.sso.oidc.client_id
    client_secret_arn      = lookup(var.sso.oidc.client_secret_arns, var.region, null)
    client_secret_json_key = var.sso.oidc.client_secret_json_key
    scope                  = var.sso.oidc.scope
    session_timeout        = var.sso.oidc.session_timeout
    logout_url             = var.sso.oidc.logout_url
  } : null
  oidc_client_secret = local.sso_enabled ? var.sso_oidc_client_secret : null
  claims             = var.sso.claims

  environments = local.sso_enabled ? {
    (var.environment) = {
      mwaa_environment_name = local.mwaa_name
      allowed_roles         = var.sso.allowed_roles
      host_headers          = lookup(var.sso.host_headers, var.region, [])
    }
  } : {}

  authenticator = local.sso_enabled ? {
    zip_path           = "${var.lambda_zip_dir}/sso.zip"
    log_retention_days = var.sso.log_retention_days
    key_url_base       = var.sso.key_url_base
  } : null

  access_logs = { force_destroy = var.sso.force_destroy_logs }
  tags        = local.tags
}
