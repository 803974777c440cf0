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
  account_id = try(data.aws_caller_identity.current[0].account_id, "")
  region     = try(data.aws_region.current[0].name, "")
  partition  = try(data.aws_partition.current[0].partition, "aws")
  tags       = merge(var.tags, { "mwaa-platform:component" = "dr-failover" })

  # One Lambda per state-machine task, as rendered by mwaa_platform.failover.statemachine (tested equal).
  handlers = var.create ? jsondecode(file("${path.module}/handlers.json")) : {}

  function_prefix = "${var.name}-failover"
  log_group_name  = "/aws/lambda/${local.function_prefix}"
  log_group_arn   = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
  sfn_log_name    = "/aws/vendedlogs/states/${local.function_prefix}"
  sfn_log_arn     = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.sfn_log_name}"
  table_name      = "${var.name}-failover-state"
  topic_name      = "${var.name}-failover"
  machine_name    = "${var.name}-failover"
  parameter_name  = "/mwaa-platform/${var.env}/failover/config"

  create_key  = var.create && var.kms.key_arn == null
  kms_key_arn = local.create_key ? try(aws_kms_key.this[0].arn, null) : var.kms.key_arn

  env_arn = {
    primary   = "arn:${local.partition}:airflow:${var.primary_region}:${local.account_id}:environment/${var.environments.primary}"
    secondary = "arn:${local.partition}:airflow:${local.region}:${local.account_id}:environment/${var.environments.secondary}"
  }
  # InvokeRestApi is authorised per Airflow role of an environment: Op pauses DAGs and triggers runs.
  rest_arn = {
    primary   = "arn:${local.partition}:airflow:${var.primary_region}:${local.account_id}:role/${var.environments.primary}/Op"
    secondary = "arn:${local.partition}:airflow:${local.region}:${local.account_id}:role/${var.environments.secondary}/Op"
  }
  bucket_arn = "arn:${local.partition}:s3:::${var.storage.config_bucket}"

  # CreateEnvironment overrides; null values are dropped by FailoverConfig (typed objects cannot omit keys).
  overrides = var.dr_mode == "backup_restore" ? {
    ExecutionRoleArn            = var.secondary_environment.execution_role_arn
    NetworkConfiguration        = length(var.secondary_environment.subnet_ids) == 0 ? null : { SubnetIds = var.secondary_environment.subnet_ids, SecurityGroupIds = var.secondary_environment.security_group_ids }
    KmsKey                      = var.secondary_environment.kms_key_arn
    SourceBucketArn             = var.secondary_environment.source_bucket_arn
    AirflowConfigurationOptions = length(var.secondary_environment.airflow_configuration_options) == 0 ? null : var.secondary_environment.airflow_configuration_options
    WebserverAccessMode         = var.secondary_environment.webserver_access_mode
  } : null

  # The configuration document of mwaa_platform.failover.config.FailoverConfig (the Lambdas and the runbook).
  failover_config = {
    env                            = var.env
    primary_region                 = var.primary_region
    secondary_region               = local.region
    primary_environment            = var.environments.primary
    secondary_environment          = var.environments.secondary
    state_table                    = local.table_name
    config_bucket                  = var.storage.config_bucket
    config_prefix                  = var.storage.config_prefix
    backup_url                     = var.storage.backup_url
    failback_backup_url            = var.storage.failback_backup_url
    dr_mode                        = var.dr_mode
    topic_arn                      = try(aws_sns_topic.this[0].arn, null)
    health                         = var.health
    secondary_overrides            = local.overrides
    lease_seconds                  = var.timeouts.lease
    restore_dag_id                 = var.restore.restore_dag_id
    backup_dag_id                  = var.restore.backup_dag_id
    restore_strategy               = var.restore.strategy
    restore_timeout_seconds        = var.timeouts.restore
    wait_available_timeout_seconds = var.timeouts.wait_available
    poll_seconds                   = var.timeouts.poll
    verify_dag_id                  = var.restore.verify_dag_id
    verify_timeout_seconds         = var.timeouts.verify
    require_fencing                = var.restore.require_fencing
    never_pause_dags               = var.restore.never_pause_dags
  }
}

################################################################################
# KMS key: state table, topic, log groups, function environment
################################################################################

resource "aws_kms_key" "this" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*" means this key); the account root statement is what makes IAM policies apply.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*" means this key).
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" means this key).
  count = local.create_key ? 1 : 0

  description             = "${var.name} failover: state table, topic, logs, function environment"
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
        Sid       = "LogsForTheFailoverLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = [local.log_group_arn, local.sfn_log_arn] } }
      },
      {
        Sid       = "AlarmsPublishToTheEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })
  tags = local.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_key ? 1 : 0

  name          = "alias/${var.name}-failover"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Failover state (DynamoDB, this region) and notifications (SNS)
################################################################################

resource "aws_dynamodb_table" "state" {
  count = var.create ? 1 : 0

  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "env"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "env"
    type = "S"
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

resource "aws_sns_topic" "this" {
  count = var.create ? 1 : 0

  name              = local.topic_name
  kms_master_key_id = local.kms_key_arn
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.create ? toset(var.notification_emails) : toset([])

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_ssm_parameter" "config" {
  #checkov:skip=CKV2_AWS_34:Names, regions and thresholds, no secret; String keeps the runbook's readers free of kms:Decrypt.
  count = var.create ? 1 : 0

  name        = local.parameter_name
  description = "Failover configuration of ${var.env} (read by `mwaa-platform failover --env ${var.env}`)"
  type        = "String"
  value       = jsonencode(local.failover_config)
  tags        = local.tags
}

################################################################################
# Lambdas: one per task, all from the same zip
################################################################################

resource "aws_cloudwatch_log_group" "lambda" {
  count = var.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

data "aws_iam_policy_document" "lambda_trust" {
  count = var.create ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "lambda" {
  count = var.create ? 1 : 0

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "FailoverState"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.state[0].arn]
  }

  statement {
    sid       = "StoredEnvironmentConfiguration"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.bucket_arn}/${trim(var.storage.config_prefix, "/")}/*"]
  }

  statement {
    sid       = "StoredConfigurationLookups"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${trim(var.storage.config_prefix, "/")}/*"]
    }
  }

  statement {
    sid       = "Keys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = distinct([local.kms_key_arn, var.storage.kms_key_arn])
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this[0].arn]
  }

  statement {
    sid       = "HeartbeatMetrics"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]
  }

  statement {
    sid       = "Environments"
    actions   = ["airflow:GetEnvironment"]
    resources = values(local.env_arn)
  }

  statement {
    sid       = "AirflowRestApi"
    actions   = ["airflow:InvokeRestApi"]
    resources = values(local.rest_arn)
  }

  dynamic "statement" {
    for_each = var.dr_mode == "backup_restore" ? [1] : []
    content {
      sid       = "CreateSecondaryEnvironment"
      actions   = ["airflow:CreateEnvironment", "airflow:TagResource"]
      resources = [local.env_arn.secondary]
    }
  }

  dynamic "statement" {
    for_each = var.dr_mode == "backup_restore" && var.secondary_environment.execution_role_arn != null ? [1] : []
    content {
      sid       = "PassTheSecondaryExecutionRole"
      actions   = ["iam:PassRole"]
      resources = [var.secondary_environment.execution_role_arn]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["airflow.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.dr_mode == "backup_restore" ? [1] : []
    content {
      sid       = "MwaaServiceLinkedRole"
      actions   = ["iam:CreateServiceLinkedRole"]
      resources = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/airflow.amazonaws.com/*"]

      condition {
        test     = "StringEquals"
        variable = "iam:AWSServiceName"
        values   = ["airflow.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.dr_mode == "backup_restore" ? [1] : []
    content {
      sid       = "DescribeTheSecondaryNetwork"
      actions   = ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.dr_mode == "backup_restore" && var.secondary_environment.kms_key_arn != null ? [1] : []
    content {
      sid       = "SecondaryEnvironmentKey"
      actions   = ["kms:DescribeKey", "kms:CreateGrant"]
      resources = [var.secondary_environment.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["airflow.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "lambda" {
  count = var.create ? 1 : 0

  name               = "${local.function_prefix}-lambda"
  description        = "The failover steps of ${var.env}"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust[0].json
  tags               = local.tags
}

resource "aws_iam_role_policy" "lambda" {
  count = var.create ? 1 : 0

  name   = "failover-steps"
  role   = aws_iam_role.lambda[0].id
  policy = data.aws_iam_policy_document.lambda[0].json
}

resource "aws_lambda_function" "step" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries, catches and alerts; there is no asynchronous event to dead-letter.
  #checkov:skip=CKV_AWS_117:The steps call only AWS APIs (DynamoDB, S3, SNS, CloudWatch, MWAA); VPC placement would need endpoints for each.
  #checkov:skip=CKV_AWS_272:The zip is built reproducibly from this repository (scripts/package_lambdas.py); code signing is an account policy choice.
  for_each = local.handlers

  function_name                  = "${local.function_prefix}-${each.key}"
  description                    = substr(each.value.description, 0, 256)
  role                           = aws_iam_role.lambda[0].arn
  filename                       = var.lambda_zip_path
  source_code_hash               = filebase64sha256(var.lambda_zip_path)
  handler                        = each.value.handler
  runtime                        = "python3.11"
  timeout                        = each.value.timeout
  memory_size                    = 256
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = merge(var.lambda_environment, {
      MWAA_PLATFORM_FAILOVER_CONFIG = jsonencode(local.failover_config)
    })
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda[0].name
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.lambda, aws_cloudwatch_log_group.lambda]
}

################################################################################
# State machine (definition rendered from the Python step list)
################################################################################

resource "aws_cloudwatch_log_group" "sfn" {
  count = var.create ? 1 : 0

  name              = local.sfn_log_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

data "aws_iam_policy_document" "sfn_trust" {
  count = var.create ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "sfn" {
  count = var.create ? 1 : 0

  statement {
    sid       = "InvokeTheSteps"
    actions   = ["lambda:InvokeFunction"]
    resources = [for f in aws_lambda_function.step : f.arn]
  }

  statement {
    sid = "ExecutionLogs"
    # CloudWatch Logs log delivery for Step Functions does not support resource-level permissions.
    actions   = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "sfn" {
  count = var.create ? 1 : 0

  name               = "${local.function_prefix}-states"
  description        = "The failover state machine of ${var.env}"
  assume_role_policy = data.aws_iam_policy_document.sfn_trust[0].json
  tags               = local.tags
}

resource "aws_iam_role_policy" "sfn" {
  #checkov:skip=CKV_AWS_290:Log delivery and X-Ray actions have no resource-level permissions; the Lambda statement is scoped to the step functions.
  #checkov:skip=CKV_AWS_355:Log delivery and X-Ray actions have no resource-level permissions; the Lambda statement is scoped to the step functions.
  count = var.create ? 1 : 0

  name   = "failover-state-machine"
  role   = aws_iam_role.sfn[0].id
  policy = data.aws_iam_policy_document.sfn[0].json
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution data carries Step Functions task tokens, which must not reach logs; errors are logged, and every step's outcome is in the state table and on the topic.
  count = var.create ? 1 : 0

  name     = local.machine_name
  role_arn = aws_iam_role.sfn[0].arn
  type     = "STANDARD"
  definition = templatefile("${path.module}/statemachine.asl.json.tftpl", merge(
    { for name, f in aws_lambda_function.step : "arn_${name}" => f.arn },
    {
      poll_seconds                   = var.timeouts.poll
      restore_timeout_seconds        = var.timeouts.restore
      wait_available_timeout_seconds = var.timeouts.wait_available
    },
  ))

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.sfn[0].arn}:*"
    include_execution_data = false # inputs carry task tokens: never logged
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = local.kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  tags = local.tags

  depends_on = [aws_iam_role_policy.sfn]
}

################################################################################
# Schedule: evaluate health every period
################################################################################

data "aws_iam_policy_document" "scheduler_trust" {
  count = var.create ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count = var.create ? 1 : 0

  name               = "${local.function_prefix}-schedule"
  description        = "Starts the failover state machine of ${var.env} on schedule"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust[0].json
  tags               = local.tags
}

resource "aws_iam_role_policy" "scheduler" {
  count = var.create ? 1 : 0

  name = "start-failover-evaluation"
  role = aws_iam_role.scheduler[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "states:StartExecution", Resource = aws_sfn_state_machine.this[0].arn },
      { Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = local.kms_key_arn },
    ]
  })
}

resource "aws_scheduler_schedule" "health" {
  count = var.create ? 1 : 0

  name                = "${local.function_prefix}-health"
  description         = "Evaluate the primary's health; fail over when it is unhealthy"
  schedule_expression = var.schedule.expression
  state               = var.schedule.enabled ? "ENABLED" : "DISABLED"
  kms_key_arn         = local.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.this[0].arn
    role_arn = aws_iam_role.scheduler[0].arn
    input    = jsonencode({ operation = "failover" })

    retry_policy {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 60
    }
  }
}

################################################################################
# Alarms (notifications only: the decision is the state machine's)
################################################################################

resource "aws_cloudwatch_metric_alarm" "executions" {
  for_each = var.create ? toset(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"]) : toset([])

  alarm_name          = "${local.machine_name}-${each.key}"
  alarm_description   = "The failover state machine of ${var.env}: ${each.key} (see `mwaa-platform failover status --env ${var.env}`)"
  namespace           = "AWS/States"
  metric_name         = each.key
  dimensions          = { StateMachineArn = aws_sfn_state_machine.this[0].arn }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this[0].arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = local.handlers

  alarm_name          = "${local.function_prefix}-${each.key}-errors"
  alarm_description   = "Failover step ${each.key} of ${var.env} raised errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.step[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this[0].arn]
  tags                = local.tags
}
