# Plan-time behaviour of modules/sso-alb against a mocked provider: what is created, how it is wired,
# and which inputs are refused with which message.

mock_provider "aws" {
  # computed values (ARNs, DNS name) take the mock defaults already at plan time
  override_during = plan
  source          = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_secretsmanager_secret_version" {
    defaults = { secret_string = "{\"client_secret\":\"from-secrets-manager\"}" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.80.0.0/16" }
  }
  mock_resource "aws_lb" {
    defaults = {
      arn      = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/sso-test-sso/50dc6c495c0c9188"
      dns_name = "internal-sso-test-sso-1.us-east-1.elb.amazonaws.com"
    }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:sso-test-authenticator" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/sso-test-authenticator" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }
}

# The apply run's provider: without override_during = plan, computed values are generated once, at apply.
mock_provider "aws" {
  alias  = "apply"
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_secretsmanager_secret_version" {
    defaults = { secret_string = "{\"client_secret\":\"from-secrets-manager\"}" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.80.0.0/16" }
  }
}

variables {
  name                = "sso-test"
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  ingress_cidr_blocks = ["10.0.0.0/8", "192.168.0.0/16"]
  certificate_arn     = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  oidc = {
    issuer                 = "https://login.example.com"
    authorization_endpoint = "https://login.example.com/authorize"
    token_endpoint         = "https://login.example.com/token"
    user_info_endpoint     = "https://login.example.com/userinfo"
    client_id              = "airflow-sso"
    client_secret_arn      = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sso-client-AbCdEf"
    client_secret_json_key = "client_secret"
    logout_url             = "https://login.example.com/logout"
  }
  environments = {
    dev = {
      mwaa_environment_name = "dev-airflow"
      allowed_roles         = ["Admin", "Op", "User", "Viewer"]
    }
    prod = {
      mwaa_environment_name = "prod-airflow"
      allowed_roles         = ["Op", "Viewer"]
      region                = "us-west-2"
      host_headers          = ["prod-airflow.example.com"]
    }
  }
  authenticator = {
    zip_path = "tests/fixtures/authenticator.zip"
  }
}

run "creates_and_wires_everything" {
  command = plan

  assert {
    condition     = aws_lb.this[0].internal && aws_lb.this[0].drop_invalid_header_fields && aws_lb.this[0].enable_deletion_protection
    error_message = "The ALB must be internal by default, drop invalid headers and be deletion-protected."
  }

  assert {
    condition     = aws_lb.this[0].access_logs[0].enabled && aws_lb.this[0].access_logs[0].prefix == "sso-alb"
    error_message = "ALB access logs must be on, under the default prefix."
  }

  assert {
    condition     = aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https[0].protocol == "HTTPS"
    error_message = "The HTTPS listener must use the TLS 1.2+/1.3 default policy."
  }

  assert {
    condition     = aws_lb_listener.https[0].default_action[0].type == "authenticate-oidc" && aws_lb_listener.https[0].default_action[1].fixed_response[0].status_code == "404"
    error_message = "The default action must sign in and then answer 404 without invoking the Lambda."
  }

  assert {
    condition     = aws_lb_listener.https[0].default_action[0].authenticate_oidc[0].client_secret == "from-secrets-manager"
    error_message = "The client secret must be read from the JSON key of the Secrets Manager secret."
  }

  assert {
    condition     = aws_lb_listener.http[0].default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "Port 80 must only redirect to HTTPS."
  }

  assert {
    condition     = aws_lb_listener_rule.logout[0].priority == 1 && length(aws_lb_listener_rule.logout[0].action) == 1 && aws_lb_listener_rule.logout[0].action[0].type == "forward"
    error_message = "/logout must reach the Lambda without an authenticate action (so the session can be ended)."
  }

  assert {
    condition     = toset(keys(aws_lb_listener_rule.authenticated)) == toset(["index", "path:dev", "path:prod"])
    error_message = "Expected the index rule and one path rule per environment."
  }

  assert {
    condition     = aws_lb_listener_rule.authenticated["index"].priority == 2 && aws_lb_listener_rule.authenticated["path:dev"].priority == 100 && aws_lb_listener_rule.authenticated["path:prod"].priority == 101
    error_message = "Rule priorities: index 2, environments from 100 in sorted key order."
  }

  assert {
    condition     = [for c in aws_lb_listener_rule.authenticated["path:prod"].condition : toset(c.path_pattern[0].values)] == [toset(["/prod", "/prod/*"])]
    error_message = "The prod path rule must match /prod and /prod/*."
  }

  assert {
    condition     = alltrue([for r in aws_lb_listener_rule.authenticated : r.action[0].type == "authenticate-oidc" && r.action[1].type == "forward"])
    error_message = "Every rule except /logout must authenticate before forwarding."
  }

  assert {
    condition     = aws_lb_target_group.authenticator[0].target_type == "lambda" && aws_lb_target_group.authenticator[0].lambda_multi_value_headers_enabled
    error_message = "The target group must be a Lambda target with multi-value headers (logout sets several cookies)."
  }

  assert {
    condition     = toset(keys(aws_iam_role.access)) == toset(["Admin", "Op", "User", "Viewer"])
    error_message = "One access role per Airflow role that some environment allows (no Public here)."
  }

  assert {
    condition = toset(data.aws_iam_policy_document.access["Viewer"].statement[0].resources) == toset([
      "arn:aws:airflow:us-east-1:123456789012:role/dev-airflow/Viewer",
      "arn:aws:airflow:us-west-2:123456789012:role/prod-airflow/Viewer",
    ])
    error_message = "The Viewer access role must open Viewer logins on both environments, each in its own region."
  }

  assert {
    condition     = data.aws_iam_policy_document.access["Admin"].statement[0].resources == toset(["arn:aws:airflow:us-east-1:123456789012:role/dev-airflow/Admin"])
    error_message = "The Admin access role must open only dev (prod does not allow Admin)."
  }

  assert {
    condition     = alltrue([for d in data.aws_iam_policy_document.access : d.statement[0].actions == toset(["airflow:CreateWebLoginToken"])])
    error_message = "Access roles may only create web login tokens."
  }

  assert {
    condition     = aws_dynamodb_table.authorizations[0].point_in_time_recovery[0].enabled && aws_dynamodb_table.authorizations[0].server_side_encryption[0].enabled
    error_message = "The authorization table needs PITR and KMS encryption."
  }

  assert {
    condition     = aws_dynamodb_table.authorizations[0].hash_key == "principal" && aws_dynamodb_table.authorizations[0].range_key == "environment"
    error_message = "The table key must match what mwaa_platform.sso.authz reads."
  }

  assert {
    condition     = jsondecode(module.authenticator.functions["authenticator"].environment[0].variables.MWAA_SSO_ENVIRONMENTS).prod == { name = "prod-airflow", region = "us-west-2", roles = ["Op", "Viewer"], hosts = ["prod-airflow.example.com"] }
    error_message = "The Lambda must receive each environment's name, region, roles and hosts."
  }

  assert {
    condition     = module.authenticator.functions["authenticator"].environment[0].variables.MWAA_SSO_ALB_ARN == aws_lb.this[0].arn
    error_message = "The Lambda must check the JWT signer against this ALB's ARN."
  }

  assert {
    condition     = module.authenticator.functions["authenticator"].handler == "mwaa_platform.sso.handler.handler" && module.authenticator.functions["authenticator"].tracing_config[0].mode == "Active"
    error_message = "Wrong handler or tracing."
  }

  assert {
    condition     = !contains(values(module.authenticator.functions["authenticator"].environment[0].variables), "from-secrets-manager")
    error_message = "The client secret must never be handed to the Lambda."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https) == 2 && length(aws_vpc_security_group_ingress_rule.http) == 2
    error_message = "One HTTPS and one HTTP ingress rule per allowed CIDR."
  }

  assert {
    condition     = aws_wafv2_web_acl_association.this[0].web_acl_arn == aws_wafv2_web_acl.this[0].arn && length(aws_vpc_peering_connection.private_webserver) == 0
    error_message = "The module's web ACL is associated by default (even with an internal ALB); no peering unless asked for."
  }

  assert {
    condition     = module.access_logs_bucket.sse_algorithm == "AES256"
    error_message = "ALB log delivery needs SSE-S3 on the log bucket."
  }

  assert {
    condition     = module.access_logs_bucket.public_access_block.block_public_policy && module.access_logs_bucket.public_access_block.restrict_public_buckets
    error_message = "The log bucket must block public access."
  }

  assert {
    condition     = output.logout_url == "https://internal-sso-test-sso-1.us-east-1.elb.amazonaws.com/logout" && output.login_urls["prod"] == "https://internal-sso-test-sso-1.us-east-1.elb.amazonaws.com/prod"
    error_message = "Login and logout URLs must be built on the ALB DNS name."
  }
}

run "creates_and_associates_a_web_acl_with_managed_rules" {
  command = plan

  variables {
    internal = false
  }

  assert {
    condition = (
      aws_wafv2_web_acl.this[0].scope == "REGIONAL" &&
      toset([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].managed_rule_group_statement[0].name]) == toset(["AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesCommonRuleSet"]) &&
      alltrue([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].managed_rule_group_statement[0].vendor_name == "AWS" && length(r.override_action[0].none) == 1])
    )
    error_message = "By default the module creates a regional web ACL with AWS's known-bad-inputs (Log4j) and common rule groups, enforcing (override none)."
  }

  assert {
    condition     = length(aws_wafv2_web_acl_association.this) == 1 && length(aws_wafv2_web_acl_logging_configuration.this) == 1 && startswith(aws_cloudwatch_log_group.waf[0].name, "aws-waf-logs-") && aws_cloudwatch_log_group.waf[0].kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "The web ACL is associated with the ALB and logs to an encrypted aws-waf-logs-* group."
  }
}

run "refuses_internet_facing_without_waf" {
  command = plan

  variables {
    internal           = false
    create_waf_web_acl = false
  }

  expect_failures = [var.allow_internet_facing_without_waf]
}

run "internet_facing_without_waf_only_by_explicit_choice" {
  command = plan

  variables {
    internal                          = false
    create_waf_web_acl                = false
    allow_internet_facing_without_waf = true
  }

  assert {
    condition     = length(aws_wafv2_web_acl.this) == 0 && length(aws_wafv2_web_acl_association.this) == 0
    error_message = "The caller's documented opt-out leaves the ALB without a web ACL."
  }
}

run "vpc_authenticator_has_scoped_network_interface_permissions" {
  command = plan

  variables {
    authenticator = {
      zip_path           = "tests/fixtures/authenticator.zip"
      subnet_ids         = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
      security_group_ids = ["sg-0cccccccccccccccc"]
    }
  }

  assert {
    condition = toset([for s in jsondecode(module.authenticator.role_policy).Statement : s.Resource if s.Sid == "CreateNetworkInterfacesInGivenSubnets"][0]) == toset([
      "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0aaaaaaaaaaaaaaaa",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0bbbbbbbbbbbbbbbb",
      "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0cccccccccccccccc",
    ])
    error_message = "CreateNetworkInterface must be limited to the given subnets and security groups."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(module.authenticator.role_policy).Statement :
      !anytrue([for a in s.Action : startswith(a, "logs:")]) || s.Resource == ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/sso-test-authenticator:*"]
    ])
    error_message = "Logs only on the function's own log group (no AWSLambdaVPCAccessExecutionRole logs on *)."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(module.authenticator.role_policy).Statement :
      alltrue([for a in s.Action : startswith(a, "ec2:Describe") || contains(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], a)]) if contains(s.Resource, "*")
    ])
    error_message = "Only EC2 Describe actions and the two X-Ray writes (no resource-level permissions exist for them) may use \"*\"."
  }
}

run "disabled_creates_nothing" {
  command = plan

  variables {
    create          = false
    vpc_id          = null
    subnet_ids      = []
    certificate_arn = null
    oidc            = null
    authenticator   = null
    environments    = {}
  }

  assert {
    condition     = length(aws_lb.this) == 0 && module.authenticator.functions == null && length(aws_dynamodb_table.authorizations) == 0 && length(aws_iam_role.access) == 0 && length(aws_kms_key.this) == 0 && module.access_logs_bucket.arn == null
    error_message = "create = false must plan nothing."
  }

  assert {
    condition     = output.alb_arn == null && output.login_urls == null && output.access_role_arns == null && output.kms_key_arn == null && output.table_name == null
    error_message = "Outputs must be null when nothing is created."
  }
}

run "waf_peering_passed_secret_and_own_key" {
  command = plan

  variables {
    waf_web_acl_arn    = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/sso/11111111-2222-3333-4444-555555555555"
    kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    oidc_client_secret = "passed-in"
    oidc = {
      issuer                 = "https://login.example.com"
      authorization_endpoint = "https://login.example.com/authorize"
      token_endpoint         = "https://login.example.com/token"
      user_info_endpoint     = "https://login.example.com/userinfo"
      client_id              = "airflow-sso"
    }
    http_redirect = false
    access_logs   = { bucket = "central-alb-logs", prefix = "airflow/sso" }
    vpc_peerings = {
      prod = {
        peer_vpc_id          = "vpc-0aaaaaaaaaaaaaaaa"
        peer_cidr_block      = "10.81.0.0/16"
        route_table_ids      = ["rtb-0123456789abcdef0"]
        peer_route_table_ids = ["rtb-0fedcba9876543210", "rtb-0fedcba9876543211"]
      }
      other-account = {
        peer_vpc_id     = "vpc-0bbbbbbbbbbbbbbbb"
        peer_cidr_block = "10.82.0.0/16"
        peer_owner_id   = "210987654321"
        route_table_ids = ["rtb-0123456789abcdef0"]
      }
    }
  }

  assert {
    condition     = aws_wafv2_web_acl_association.this[0].web_acl_arn == var.waf_web_acl_arn && length(aws_wafv2_web_acl.this) == 0
    error_message = "The given web ACL must be associated with the ALB, and no web ACL of the module's created."
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_dynamodb_table.authorizations[0].server_side_encryption[0].kms_key_arn == var.kms_key_arn && module.authenticator.functions["authenticator"].kms_key_arn == var.kms_key_arn
    error_message = "A given KMS key must be used everywhere and no key created."
  }

  assert {
    condition     = length(data.aws_secretsmanager_secret_version.client_secret) == 0 && aws_lb_listener.https[0].default_action[0].authenticate_oidc[0].client_secret == "passed-in"
    error_message = "A passed-in client secret must be used without reading Secrets Manager."
  }

  assert {
    condition     = length(aws_lb_listener.http) == 0 && length(aws_vpc_security_group_ingress_rule.http) == 0
    error_message = "http_redirect = false must leave port 80 closed."
  }

  assert {
    condition     = module.access_logs_bucket.arn == null && aws_lb.this[0].access_logs[0].bucket == "central-alb-logs" && aws_lb.this[0].access_logs[0].prefix == "airflow/sso"
    error_message = "An existing log bucket must be used as given, without creating one."
  }

  assert {
    condition     = aws_vpc_peering_connection.private_webserver["prod"].auto_accept && !aws_vpc_peering_connection.private_webserver["other-account"].auto_accept
    error_message = "Only the same-account, same-region peering can be auto-accepted."
  }

  assert {
    condition     = length(aws_route.to_private_webserver) == 2 && length(aws_route.from_private_webserver) == 2
    error_message = "Routes to both peers from our table, and back from both peer tables of the same-account peer."
  }

  assert {
    condition     = aws_route.from_private_webserver["prod:0"].destination_cidr_block == "10.80.0.0/16"
    error_message = "Return routes must point at the load balancer VPC's CIDR."
  }
}

run "refuses_old_tls_policies" {
  command = plan
  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }
  expect_failures = [var.ssl_policy]
}

run "refuses_unknown_airflow_roles" {
  command = plan
  variables {
    environments = { dev = { mwaa_environment_name = "dev-airflow", allowed_roles = ["Superuser"] } }
  }
  expect_failures = [var.environments]
}

run "refuses_reserved_environment_keys" {
  command = plan
  variables {
    environments = { logout = { mwaa_environment_name = "dev-airflow", allowed_roles = ["Viewer"] } }
  }
  expect_failures = [var.environments]
}

run "refuses_a_host_mapped_twice" {
  command = plan
  variables {
    environments = {
      a = { mwaa_environment_name = "a-airflow", allowed_roles = ["Viewer"], host_headers = ["x.example.com"] }
      b = { mwaa_environment_name = "b-airflow", allowed_roles = ["Viewer"], host_headers = ["x.example.com"] }
    }
  }
  expect_failures = [var.environments]
}

run "refuses_plain_http_idp_endpoints" {
  command = plan
  variables {
    oidc = {
      issuer                 = "http://login.example.com"
      authorization_endpoint = "https://login.example.com/authorize"
      token_endpoint         = "https://login.example.com/token"
      user_info_endpoint     = "https://login.example.com/userinfo"
      client_id              = "airflow-sso"
      client_secret_arn      = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sso-client-AbCdEf"
    }
  }
  expect_failures = [var.oidc]
}

run "refuses_two_client_secret_sources" {
  command = plan
  variables {
    oidc_client_secret = "also-passed"
  }
  expect_failures = [var.oidc_client_secret]
}

run "refuses_missing_required_inputs_when_creating" {
  command = plan
  variables {
    certificate_arn = null
    authenticator   = null
  }
  expect_failures = [var.certificate_arn, var.authenticator]
}

run "refuses_a_single_subnet" {
  command = plan
  variables {
    subnet_ids = ["subnet-0123456789abcdef0"]
  }
  expect_failures = [var.subnet_ids]
}

run "refuses_peer_routes_in_another_region" {
  command = plan
  variables {
    vpc_peerings = {
      x = { peer_vpc_id = "vpc-0aaaaaaaaaaaaaaaa", peer_cidr_block = "10.81.0.0/16", peer_region = "eu-west-1", peer_route_table_ids = ["rtb-0fedcba9876543210"] }
    }
  }
  expect_failures = [var.vpc_peerings]
}

run "refuses_a_long_name" {
  command = plan
  variables {
    name = "a-name-that-is-far-too-long-for-an-alb"
  }
  expect_failures = [var.name]
}

run "applies_against_mocks" {
  command = apply

  providers = { aws = aws.apply }

  assert {
    condition     = length(output.access_role_arns) == 4 && output.table_name == "sso-test-sso-authorizations"
    error_message = "Apply against mocks must yield four access roles and the named table."
  }

  assert {
    condition     = aws_lambda_permission.alb[0].source_arn == aws_lb_target_group.authenticator[0].arn && aws_lb_target_group_attachment.authenticator[0].target_id == module.authenticator.functions["authenticator"].arn
    error_message = "Only the SSO target group may invoke the authenticator, and it targets the authenticator."
  }
}
