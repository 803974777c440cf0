# ----------------------------------------------------------------------------------------------------------
# WAF: the module's web ACL (AWS managed common and known-bad-inputs rules, Log4j included) or the caller's
# ----------------------------------------------------------------------------------------------------------

resource "aws_wafv2_web_acl" "this" {
  count = local.create_waf_web_acl ? 1 : 0

  name        = "${var.name}-sso"
  description = "${var.name}: AWS managed rules in front of the SSO load balancer"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "AWSManagedRulesKnownBadInputsRuleSet"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-sso-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesCommonRuleSet"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-sso-common"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-sso"
    sampled_requests_enabled   = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "waf" {
  count = local.create_waf_web_acl ? 1 : 0

  name              = local.waf_log_group_name # WAF delivers only to log groups named aws-waf-logs-*
  retention_in_days = var.authenticator.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count = local.create_waf_web_acl ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # OIDC callbacks and session cookies pass through the ALB: never into the WAF logs.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
  redacted_fields {
    query_string {}
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = local.create && (var.waf_web_acl_arn != null || var.create_waf_web_acl) ? 1 : 0

  resource_arn = aws_lb.this[0].arn
  web_acl_arn  = local.waf_web_acl_arn
}
