################################################################################
# Shared values
################################################################################

module "context" {
  source = "../_aws_context"
  create = var.create
}

locals {
  account_id = module.context.account_id
  region     = module.context.region
  partition  = module.context.partition
  ec2_arn    = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"

  functions      = var.create ? var.functions : {}
  log_group_name = coalesce(var.log_group_name, "/aws/lambda/${var.name}")
  # Known at plan time, so a caller's key policy can name it before the log group exists.
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  dlq_arn = var.dead_letter.create ? try(aws_sqs_queue.dlq[0].arn, null) : var.dead_letter.target_arn
}

################################################################################
# Log group (KMS-encrypted, finite retention) and dead-letter queue
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_sqs_queue" "dlq" {
  count = var.create && var.dead_letter.create ? 1 : 0

  name                              = "${var.name}-dlq"
  message_retention_seconds         = var.dead_letter.message_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  tags = var.tags
}

################################################################################
# Execution role: trusted by Lambda of this account only; inline least-privilege policy
################################################################################

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name        = coalesce(var.role.name, var.name)
  description = var.role.description
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = var.tags
}

locals {
  # The caller's statements first (their order is the caller's), then what every function needs.
  own_statements = concat(
    [
      {
        sid        = "WriteOwnLogs"
        actions    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resources  = ["${local.log_group_arn}:*"]
        conditions = {}
      },
      {
        sid        = "DecryptTheEnvironment"
        actions    = ["kms:Decrypt"]
        resources  = [coalesce(var.kms_key_arn, "-")]
        conditions = {}
      },
    ],
    local.dlq_arn == null ? [] : [{
      sid        = "FailedAsyncInvocationsToTheDlq"
      actions    = ["sqs:SendMessage"]
      resources  = [local.dlq_arn]
      conditions = {}
    }],
    # An encrypted queue needs a data key per message.
    local.dlq_arn == null ? [] : [{
      sid        = "EncryptDeadLetters"
      actions    = ["kms:GenerateDataKey"]
      resources  = [coalesce(var.kms_key_arn, "-")]
      conditions = {}
    }],
    # X-Ray writes support no resource-level permissions.
    var.tracing_mode == "Active" ? [{
      sid        = "XRayTraces"
      actions    = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources  = ["*"]
      conditions = {}
    }] : [],
    # The ENI actions of AWSLambdaVPCAccessExecutionRole, creation limited to the given subnets and groups.
    var.vpc_config == null ? [] : [
      {
        sid     = "CreateNetworkInterfacesInGivenSubnets"
        actions = ["ec2:CreateNetworkInterface"]
        resources = concat(
          ["${local.ec2_arn}:network-interface/*"],
          [for s in var.vpc_config.subnet_ids : "${local.ec2_arn}:subnet/${s}"],
          [for g in var.vpc_config.security_group_ids : "${local.ec2_arn}:security-group/${g}"],
        )
        conditions = {}
      },
      {
        sid        = "ManageNetworkInterfacesOfThisAccountAndRegion"
        actions    = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        resources  = ["${local.ec2_arn}:network-interface/*"]
        conditions = {}
      },
      {
        sid     = "DescribeNetworkInterfacesAndSubnets"
        actions = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        # EC2 Describe* actions support no resource-level permissions.
        resources  = ["*"]
        conditions = {}
      },
    ],
  )

  statements = [
    for s in concat(var.policy_statements, local.own_statements) : merge(
      { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources },
      length(s.conditions) == 0 ? {} : { Condition = s.conditions },
    )
  ]
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = var.role.policy_name
  role   = aws_iam_role.this[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })
}

################################################################################
# Functions
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:VPC placement is the caller's choice (vpc_config); the platform's functions call AWS APIs only and run outside a VPC unless egress policy requires one.
  #checkov:skip=CKV_AWS_272:Code signing is opt-in (code_signing_config_arn); every zip is built reproducibly from this repository.
  #checkov:skip=CKV_AWS_116:A dead-letter queue is attached whenever a caller invokes asynchronously (dead_letter); Step Functions and the ALB invoke synchronously and handle the error themselves.
  for_each = local.functions

  function_name                  = each.value.name
  description                    = substr(each.value.description, 0, 256)
  role                           = aws_iam_role.this[0].arn
  filename                       = var.filename
  source_code_hash               = filebase64sha256(var.filename)
  handler                        = each.value.handler
  runtime                        = var.runtime
  architectures                  = var.architectures
  timeout                        = coalesce(each.value.timeout, var.timeout)
  memory_size                    = var.memory_size
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = var.environment_variables
  }

  dynamic "dead_letter_config" {
    for_each = local.dlq_arn == null ? [] : [local.dlq_arn]
    content {
      target_arn = dead_letter_config.value
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = var.async_invoke == null ? {} : local.functions

  function_name                = aws_lambda_function.this[each.key].function_name
  maximum_retry_attempts       = var.async_invoke.maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_invoke.maximum_event_age_in_seconds
}
