################################################################################
# Shared values
################################################################################

module "context" {
  source = "../_aws_context"
  create = var.create
}

locals {
  handler   = var.create && var.mode == "handler"
  forwarder = var.create && var.mode == "forwarder"
  forwarded = local.handler && length(var.participant_account_ids) > 0

  account_id = module.context.account_id
  region     = module.context.region
  partition  = module.context.partition

  log_group_name = "/aws/lambda/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
  ec2_arn        = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
  vpc_arns       = length(var.allowed_vpc_ids) > 0 ? [for v in var.allowed_vpc_ids : "${local.ec2_arn}:vpc/${v}"] : ["${local.ec2_arn}:vpc/*"]

  # The status changes the handler acts on; keep in step with mwaa_platform.endpoints.events.
  event_pattern = jsonencode({
    source        = ["aws.airflow"]
    "detail-type" = ["MWAA Environment Status Change"]
    detail        = { status = ["PENDING", "DELETED"] }
  })

  # Tag contract with mwaa_platform.endpoints.vpc_endpoints: only endpoints carrying it are ever deleted.
  managed_by_tag   = "mwaa-platform:managed-by"
  managed_by_value = "endpoint-automation"

  tags = merge(var.tags, { "mwaa-platform:component" = "endpoint-automation" })
}

################################################################################
# KMS key (dead-letter queue, log group, function environment)
################################################################################

module "kms" {
  source = "../_kms"
  create = var.create && var.kms.create

  alias                   = var.name
  description             = "${var.name}: dead-letter queue, logs and function environment"
  deletion_window_in_days = var.kms.deletion_window_in_days
  logs                    = { sid = "LogsForTheFunctionLogGroup", log_group_arns = local.log_group_arn }
  services                = { EventBridgeWritesDeadLetters = "events.amazonaws.com" }
  tags                    = local.tags
}

moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this
}


locals {
  kms_key_arn = var.kms.create ? module.kms.arn : var.kms.key_arn
}

################################################################################
# Dead-letter queue (EventBridge delivery failures and failed function runs)
################################################################################

locals {
  rule_arns = compact(concat(
    [try(aws_cloudwatch_event_rule.own[0].arn, ""), try(aws_cloudwatch_event_rule.forwarded[0].arn, "")],
    [try(aws_cloudwatch_event_rule.forward[0].arn, "")],
  ))
  dlq_name = "${var.name}-dlq"
  dlq_arn  = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.dlq_name}"
}

# The policy is inline (not aws_sqs_queue_policy) so the provider's SQS attribute wait runs once, not twice.
resource "aws_sqs_queue" "dlq" {
  count = var.create ? 1 : 0

  name                              = local.dlq_name
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeDeadLettersFromOurRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = local.dlq_arn
      Condition = { ArnEquals = { "aws:SourceArn" = local.rule_arns } }
    }]
  })

  tags = local.tags
}

################################################################################
# Handler: function, role, log group (modules/_lambda)
################################################################################

locals {
  subnet_conditions = length(var.allowed_vpc_ids) > 0 ? { ArnEquals = { "ec2:Vpc" = local.vpc_arns } } : {}
  lambda_statements = [
    # Describe* actions support no resource-level permissions in EC2, so they are granted on "*".
    {
      sid       = "LookUpSubnetsAndEndpoints"
      actions   = ["ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints"]
      resources = ["*"]
    },
    {
      sid       = "CreateTaggedEndpointsToMwaaServices"
      actions   = ["ec2:CreateVpcEndpoint"]
      resources = ["${local.ec2_arn}:vpc-endpoint/*"]
      conditions = {
        StringEquals = { "aws:RequestTag/${local.managed_by_tag}" = [local.managed_by_value] }
        StringLike   = { "ec2:VpceServiceName" = ["com.amazonaws.vpce.${local.region}.vpce-svc-*"] }
      }
    },
    {
      sid       = "CreateEndpointsInAllowedVpcs"
      actions   = ["ec2:CreateVpcEndpoint"]
      resources = local.vpc_arns
    },
    {
      sid        = "UseSubnetsAndGroupsOfAllowedVpcs"
      actions    = ["ec2:CreateVpcEndpoint"]
      resources  = ["${local.ec2_arn}:subnet/*", "${local.ec2_arn}:security-group/*"]
      conditions = local.subnet_conditions
    },
    {
      sid        = "TagOnlyWhileCreatingEndpoints"
      actions    = ["ec2:CreateTags"]
      resources  = ["${local.ec2_arn}:vpc-endpoint/*"]
      conditions = { StringEquals = { "ec2:CreateAction" = ["CreateVpcEndpoint"] } }
    },
    {
      sid        = "DeleteOnlyOwnEndpoints"
      actions    = ["ec2:DeleteVpcEndpoints"]
      resources  = ["${local.ec2_arn}:vpc-endpoint/*"]
      conditions = { StringEquals = { "aws:ResourceTag/${local.managed_by_tag}" = [local.managed_by_value] } }
    },
    {
      sid        = "EditSqsEndpointPolicies"
      actions    = ["ec2:ModifyVpcEndpoint"]
      resources  = ["${local.ec2_arn}:vpc-endpoint/*"]
      conditions = { StringEquals = { "ec2:VpceServiceName" = ["com.amazonaws.${local.region}.sqs", "com.amazonaws.${local.region}.sqs-fips"] } }
    },
  ]
}

module "lambda" {
  source = "../_lambda"

  create = local.handler
  name   = var.name
  functions = {
    handler = {
      name        = var.name
      description = "Creates MWAA customer-managed VPC endpoints on PENDING, removes them on DELETED"
      handler     = "mwaa_platform.endpoints.handler.handler"
      timeout     = var.lambda.timeout
    }
  }
  filename             = var.lambda_zip_path
  runtime              = var.lambda.runtime
  memory_size          = var.lambda.memory_size
  tracing_mode         = var.lambda.tracing_mode
  reserved_concurrency = var.lambda.reserved_concurrency
  kms_key_arn          = local.kms_key_arn
  environment_variables = {
    ALLOWED_ACCOUNT_IDS         = join(",", distinct(concat([local.account_id], var.participant_account_ids)))
    ALLOWED_VPC_IDS             = join(",", var.allowed_vpc_ids)
    ENDPOINT_SECURITY_GROUP_IDS = join(",", var.endpoint_security_group_ids)
    LOG_LEVEL                   = var.log_level
  }
  log_retention_in_days = var.lambda.log_retention_in_days
  role = {
    name        = "${var.name}-lambda"
    description = "Creates MWAA customer-managed VPC endpoints on environment status events"
    policy_name = "endpoint-automation"
  }
  policy_statements = local.lambda_statements
  vpc_config        = var.lambda.vpc_config
  # The module's one queue also takes the EventBridge delivery failures.
  dead_letter             = { target_arn = try(aws_sqs_queue.dlq[0].arn, null) }
  async_invoke            = { maximum_retry_attempts = var.retry_policy.lambda_retry_attempts, maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds }
  code_signing_config_arn = var.lambda.code_signing_config_arn

  tags = local.tags
}

locals {
  function_arn  = try(module.lambda.function_arns["handler"], null)
  function_name = try(module.lambda.function_names["handler"], null)
}

moved {
  from = aws_cloudwatch_log_group.lambda[0]
  to   = module.lambda.aws_cloudwatch_log_group.this[0]
}

moved {
  from = aws_iam_role.lambda[0]
  to   = module.lambda.aws_iam_role.this[0]
}

moved {
  from = aws_iam_role_policy.lambda[0]
  to   = module.lambda.aws_iam_role_policy.this[0]
}

moved {
  from = aws_lambda_function.this[0]
  to   = module.lambda.aws_lambda_function.this["handler"]
}

moved {
  from = aws_lambda_function_event_invoke_config.this[0]
  to   = module.lambda.aws_lambda_function_event_invoke_config.this["handler"]
}

################################################################################
# Handler: rules for this account's events and for forwarded (participant) events
################################################################################

resource "aws_cloudwatch_event_rule" "own" {
  count = local.handler ? 1 : 0

  name           = "${var.name}-status"
  description    = "MWAA environments of this account entering PENDING or DELETED"
  event_bus_name = var.event_bus_name
  event_pattern  = local.event_pattern

  tags = local.tags
}

resource "aws_cloudwatch_event_bus" "forwarded" {
  count = local.forwarded ? 1 : 0

  name = "${var.name}-forwarded"

  tags = local.tags
}

resource "aws_cloudwatch_event_bus_policy" "forwarded" {
  count = local.forwarded ? 1 : 0

  event_bus_name = aws_cloudwatch_event_bus.forwarded[0].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ParticipantsForwardMwaaStatusEvents"
      Effect    = "Allow"
      Principal = { AWS = [for a in var.participant_account_ids : "arn:${local.partition}:iam::${a}:root"] }
      Action    = "events:PutEvents"
      Resource  = aws_cloudwatch_event_bus.forwarded[0].arn
      Condition = {
        StringEquals = {
          "events:source"      = "aws.airflow"
          "events:detail-type" = "MWAA Environment Status Change"
        }
      }
    }]
  })
}

resource "aws_cloudwatch_event_rule" "forwarded" {
  count = local.forwarded ? 1 : 0

  name           = "${var.name}-forwarded-status"
  description    = "MWAA environments of participant accounts entering PENDING or DELETED"
  event_bus_name = aws_cloudwatch_event_bus.forwarded[0].name
  event_pattern = jsonencode(merge(jsondecode(local.event_pattern), {
    account = var.participant_account_ids
  }))

  tags = local.tags
}

locals {
  handler_rules = merge(
    local.handler ? { own = { name = aws_cloudwatch_event_rule.own[0].name, bus = var.event_bus_name, arn = aws_cloudwatch_event_rule.own[0].arn } } : {},
    local.forwarded ? { forwarded = { name = aws_cloudwatch_event_rule.forwarded[0].name, bus = aws_cloudwatch_event_bus.forwarded[0].name, arn = aws_cloudwatch_event_rule.forwarded[0].arn } } : {},
  )
}

resource "aws_cloudwatch_event_target" "handler" {
  for_each = local.handler_rules

  rule           = each.value.name
  event_bus_name = each.value.bus
  target_id      = "endpoint-automation"
  arn            = local.function_arn

  retry_policy {
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq[0].arn
  }
}

resource "aws_lambda_permission" "events" {
  for_each = local.handler_rules

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = local.function_name
  principal     = "events.amazonaws.com"
  source_arn    = each.value.arn
}

################################################################################
# Forwarder (participant account): this account's MWAA events -> the owner's bus
################################################################################

resource "aws_iam_role" "forwarder" {
  count = local.forwarder ? 1 : 0

  name        = "${var.name}-forwarder"
  description = "Lets EventBridge forward MWAA status events to the VPC owner's bus"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "forwarder" {
  count = local.forwarder ? 1 : 0

  name = "forward-to-owner-bus"
  role = aws_iam_role.forwarder[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "PutOnTheOwnersBus"
      Effect   = "Allow"
      Action   = "events:PutEvents"
      Resource = var.forward_to_event_bus_arn
    }]
  })
}

resource "aws_cloudwatch_event_rule" "forward" {
  count = local.forwarder ? 1 : 0

  name           = "${var.name}-forward"
  description    = "Forward this account's MWAA PENDING/DELETED events to the VPC owner"
  event_bus_name = var.event_bus_name
  event_pattern  = local.event_pattern

  tags = local.tags
}

resource "aws_cloudwatch_event_target" "forward" {
  count = local.forwarder ? 1 : 0

  rule           = aws_cloudwatch_event_rule.forward[0].name
  event_bus_name = var.event_bus_name
  target_id      = "owner-bus"
  arn            = var.forward_to_event_bus_arn
  role_arn       = aws_iam_role.forwarder[0].arn

  retry_policy {
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq[0].arn
  }
}
