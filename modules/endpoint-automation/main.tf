################################################################################
# Shared values
################################################################################

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

data "aws_region" "current" {
  count = var.create ? 1 : 0
}

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

locals {
  handler   = var.create && var.mode == "handler"
  forwarder = var.create && var.mode == "forwarder"
  forwarded = local.handler && length(var.participant_account_ids) > 0

  account_id = try(data.aws_caller_identity.current[0].account_id, "")
  region     = try(data.aws_region.current[0].name, "")
  partition  = try(data.aws_partition.current[0].partition, "aws")

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

resource "aws_kms_key" "this" {
  count = var.create && var.kms.create ? 1 : 0

  description             = "${var.name}: dead-letter queue, logs and function environment"
  deletion_window_in_days = var.kms.deletion_window_in_days
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "LogsForTheFunctionLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn } }
      },
      {
        Sid       = "EventBridgeWritesDeadLetters"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })

  tags = local.tags
}

resource "aws_kms_alias" "this" {
  count = var.create && var.kms.create ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}

locals {
  kms_key_arn = var.kms.create ? try(aws_kms_key.this[0].arn, null) : var.kms.key_arn
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
# Handler: function, role, log group
################################################################################

resource "aws_cloudwatch_log_group" "lambda" {
  count = local.handler ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = local.tags
}

resource "aws_iam_role" "lambda" {
  count = local.handler ? 1 : 0

  name        = "${var.name}-lambda"
  description = "Creates MWAA customer-managed VPC endpoints on environment status events"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

locals {
  subnet_conditions = length(var.allowed_vpc_ids) > 0 ? { ArnEquals = { "ec2:Vpc" = local.vpc_arns } } : null
  lambda_statements = concat(
    [
      jsonencode({
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${local.log_group_arn}:*"]
      }),
      # Describe* actions support no resource-level permissions in EC2, so they are granted on "*".
      jsonencode({
        Sid      = "LookUpSubnetsAndEndpoints"
        Effect   = "Allow"
        Action   = ["ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints"]
        Resource = ["*"]
      }),
      jsonencode({
        Sid      = "CreateTaggedEndpointsToMwaaServices"
        Effect   = "Allow"
        Action   = ["ec2:CreateVpcEndpoint"]
        Resource = ["${local.ec2_arn}:vpc-endpoint/*"]
        Condition = {
          StringEquals = { "aws:RequestTag/${local.managed_by_tag}" = local.managed_by_value }
          StringLike   = { "ec2:VpceServiceName" = "com.amazonaws.vpce.${local.region}.vpce-svc-*" }
        }
      }),
      jsonencode({
        Sid      = "CreateEndpointsInAllowedVpcs"
        Effect   = "Allow"
        Action   = ["ec2:CreateVpcEndpoint"]
        Resource = local.vpc_arns
      }),
      jsonencode(merge({
        Sid      = "UseSubnetsAndGroupsOfAllowedVpcs"
        Effect   = "Allow"
        Action   = ["ec2:CreateVpcEndpoint"]
        Resource = ["${local.ec2_arn}:subnet/*", "${local.ec2_arn}:security-group/*"]
      }, local.subnet_conditions == null ? {} : { Condition = local.subnet_conditions })),
      jsonencode({
        Sid       = "TagOnlyWhileCreatingEndpoints"
        Effect    = "Allow"
        Action    = ["ec2:CreateTags"]
        Resource  = ["${local.ec2_arn}:vpc-endpoint/*"]
        Condition = { StringEquals = { "ec2:CreateAction" = "CreateVpcEndpoint" } }
      }),
      jsonencode({
        Sid       = "DeleteOnlyOwnEndpoints"
        Effect    = "Allow"
        Action    = ["ec2:DeleteVpcEndpoints"]
        Resource  = ["${local.ec2_arn}:vpc-endpoint/*"]
        Condition = { StringEquals = { "aws:ResourceTag/${local.managed_by_tag}" = local.managed_by_value } }
      }),
      jsonencode({
        Sid       = "EditSqsEndpointPolicies"
        Effect    = "Allow"
        Action    = ["ec2:ModifyVpcEndpoint"]
        Resource  = ["${local.ec2_arn}:vpc-endpoint/*"]
        Condition = { StringEquals = { "ec2:VpceServiceName" = ["com.amazonaws.${local.region}.sqs", "com.amazonaws.${local.region}.sqs-fips"] } }
      }),
      jsonencode({
        Sid      = "SendFailedEventsToTheDlq"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [try(aws_sqs_queue.dlq[0].arn, "")]
      }),
      jsonencode({
        Sid      = "UseTheKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [coalesce(local.kms_key_arn, "-")]
      }),
    ],
    # X-Ray and ENI actions support no resource-level permissions.
    var.tracing_mode == "Active" ? [jsonencode({
      Sid      = "XRayTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    })] : [],
    var.vpc_config != null ? [jsonencode({
      Sid      = "RunInsideTheVpc"
      Effect   = "Allow"
      Action   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      Resource = ["*"]
    })] : [],
  )
}

resource "aws_iam_role_policy" "lambda" {
  count = local.handler ? 1 : 0

  name   = "endpoint-automation"
  role   = aws_iam_role.lambda[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = [for s in local.lambda_statements : jsondecode(s)] })
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The function calls only the regional EC2 API; attach it to a VPC with var.vpc_config where egress policy requires.
  #checkov:skip=CKV_AWS_272:Code signing is opt-in via var.code_signing_config_arn; the zip is built reproducibly from this repository.
  count = local.handler ? 1 : 0

  function_name                  = var.name
  description                    = "Creates MWAA customer-managed VPC endpoints on PENDING, removes them on DELETED"
  role                           = aws_iam_role.lambda[0].arn
  filename                       = var.lambda_zip_path
  source_code_hash               = filebase64sha256(var.lambda_zip_path)
  handler                        = "mwaa_platform.endpoints.handler.handler"
  runtime                        = var.lambda_runtime
  timeout                        = var.lambda_timeout
  memory_size                    = var.lambda_memory_size
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = local.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = {
      ALLOWED_ACCOUNT_IDS         = join(",", distinct(concat([local.account_id], var.participant_account_ids)))
      ALLOWED_VPC_IDS             = join(",", var.allowed_vpc_ids)
      ENDPOINT_SECURITY_GROUP_IDS = join(",", var.endpoint_security_group_ids)
      LOG_LEVEL                   = var.log_level
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq[0].arn
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda[0].name
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.lambda, aws_cloudwatch_log_group.lambda]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count = local.handler ? 1 : 0

  function_name                = aws_lambda_function.this[0].function_name
  maximum_retry_attempts       = var.retry_policy.lambda_retry_attempts
  maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
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
  arn            = aws_lambda_function.this[0].arn

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
  function_name = aws_lambda_function.this[0].function_name
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
