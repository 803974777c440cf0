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
  kms_key_arn = local.create_key ? module.kms.arn : var.kms.key_arn

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
    AirflowConfigurationOptions = length(var.secondary_environment.airflow_configuration_options) == 0 ? null : sensitive(var.secondary_environment.airflow_configuration_options)
    WebserverAccessMode         = var.secondary_environment.webserver_access_mode
    AirflowVersion              = var.secondary_environment.airflow_version
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
    restore_in_flight              = var.restore.in_flight
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

module "kms" {
  source = "../_kms"
  create = local.create_key

  alias                   = "${var.name}-failover"
  description             = "${var.name} failover: state table, topic, logs, function environment"
  deletion_window_in_days = var.kms.deletion_window_in_days
  logs                    = { sid = "LogsForTheFailoverLogGroups", log_group_arns = [local.log_group_arn, local.sfn_log_arn] }
  services                = { AlarmsPublishToTheEncryptedTopic = "cloudwatch.amazonaws.com" }
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

# SecureString: secondary_overrides carries the secondary's Airflow configuration options, which may hold secrets.
resource "aws_ssm_parameter" "config" {
  count = var.create ? 1 : 0

  name        = local.parameter_name
  description = "Failover configuration of ${var.env} (read by `mwaa-platform failover --env ${var.env}`)"
  type        = "SecureString"
  key_id      = local.kms_key_arn
  value       = jsonencode(local.failover_config)
  tags        = local.tags
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

# The two service roles of this module: each trusted by one AWS service, and only for this account.
data "aws_iam_policy_document" "trust" {
  for_each = var.create ? { sfn = "states.amazonaws.com", scheduler = "scheduler.amazonaws.com" } : {}

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value]
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
    resources = values(local.step_arns)
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
  assume_role_policy = data.aws_iam_policy_document.trust["sfn"].json
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
    { for name, arn in local.step_arns : "arn_${name}" => arn },
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

resource "aws_iam_role" "scheduler" {
  count = var.create ? 1 : 0

  name               = "${local.function_prefix}-schedule"
  description        = "Starts the failover state machine of ${var.env} on schedule"
  assume_role_policy = data.aws_iam_policy_document.trust["scheduler"].json
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
  dimensions          = { FunctionName = module.lambda.function_names[each.key] }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this[0].arn]
  tags                = local.tags
}
