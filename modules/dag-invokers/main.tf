################################################################################
# Shared values
################################################################################

module "context" {
  source = "../_aws_context"
  create = var.create
}

locals {
  scheduled = var.create && length(var.flows) > 0
  s3        = var.create && length(var.s3_trigger.routes) > 0
  s3_bridge = local.s3 && var.s3_trigger.notification == "eventbridge"
  s3_direct = local.s3 && var.s3_trigger.notification == "lambda"

  account_id = module.context.account_id
  region     = module.context.region
  partition  = module.context.partition

  environment_name = var.environment_arn == null ? "" : element(split("/", var.environment_arn), 1)
  bucket_arn       = "arn:${local.partition}:s3:::${coalesce(var.s3_trigger.bucket_name, "-")}"

  # invoker -> settings; handler names are mwaa_platform.airflow_api.handlers.<kind>
  invokers = merge(
    local.scheduled ? {
      scheduled = {
        description = "Triggers MWAA DAG runs for EventBridge Scheduler flows (InvokeRestApi)"
        handler     = "mwaa_platform.airflow_api.handlers.scheduled"
        variables = {
          FLOWS = jsonencode({ for id, f in var.flows : id => { dag_id = f.dag_id, conf = f.conf } })
        }
      }
    } : {},
    local.s3 ? {
      s3 = {
        description = "Triggers MWAA DAG runs for objects created in S3, by key prefix (InvokeRestApi)"
        handler     = "mwaa_platform.airflow_api.handlers.s3"
        variables = {
          KEY_ROUTES = jsonencode({ for p, r in var.s3_trigger.routes : p => { dag_id = r.dag_id, conf = r.conf } })
          BUCKETS    = jsonencode([var.s3_trigger.bucket_name])
        }
      }
    } : {},
  )

  log_group_names = { for k, _ in local.invokers : k => "/aws/lambda/${var.name}-${k}" }
  log_group_arns  = { for k, n in local.log_group_names : k => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${n}" }

  tags = merge(var.tags, { "mwaa-platform:component" = "dag-invokers" })
}

################################################################################
# KMS key (dead-letter queues, log groups, function environments, schedules)
################################################################################

module "kms" {
  source = "../_kms"
  create = var.create && var.kms.create && length(local.invokers) > 0

  alias                   = var.name
  description             = "${var.name}: dead-letter queues, logs, function environments and schedules"
  deletion_window_in_days = var.kms.deletion_window_in_days
  logs                    = { sid = "LogsForTheInvokerLogGroups", log_group_arns = values(local.log_group_arns) }
  services                = local.s3_bridge ? { EventBridgeWritesDeadLetters = "events.amazonaws.com" } : {}
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
# Dead-letter queue policy (the queues are the invokers', in modules/_lambda)
################################################################################

resource "aws_sqs_queue_policy" "s3_dlq" {
  count = local.s3_bridge ? 1 : 0

  queue_url = local.dlq_urls["s3"]
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeDeadLettersFromTheObjectCreatedRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = local.dlq_arns["s3"]
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.s3[0].arn } }
    }]
  })
}

################################################################################
# Functions: one per invoker, each with its own role (InvokeRestApi on the one environment), log group and
# dead-letter queue (modules/_lambda)
################################################################################

module "invoker" {
  source   = "../_lambda"
  for_each = local.invokers

  name = "${var.name}-${each.key}"
  functions = {
    (each.key) = {
      name        = "${var.name}-${each.key}"
      description = each.value.description
      handler     = each.value.handler
      timeout     = var.lambda.timeout
    }
  }
  filename    = var.lambda_zip_path
  runtime     = var.lambda.runtime
  memory_size = var.lambda.memory_size
  # lookup() rather than .tracing_mode: checkov reads no attribute of the empty default object and would fail
  # CKV_AWS_50 on the null that Terraform turns into modules/_lambda's default (Active).
  tracing_mode         = lookup(var.lambda, "tracing_mode", null)
  reserved_concurrency = var.lambda.reserved_concurrency
  kms_key_arn          = local.kms_key_arn
  environment_variables = merge(each.value.variables, {
    MWAA_ENVIRONMENT_NAME = local.environment_name
    AIRFLOW_VERSION       = var.airflow_version
  })
  log_retention_in_days = var.lambda.log_retention_in_days
  role = {
    description = "${each.value.description}: ${local.environment_name}"
    policy_name = "invoke-rest-api"
  }
  policy_statements = [{
    sid       = "InvokeRestApiOnTheOneEnvironment"
    actions   = ["airflow:InvokeRestApi"]
    resources = [var.environment_arn]
  }]
  vpc_config              = var.lambda.vpc_config
  dead_letter             = { create = true, message_retention_seconds = var.lambda.dlq_message_retention_seconds }
  async_invoke            = { maximum_retry_attempts = var.retry_policy.lambda_retry_attempts, maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds }
  code_signing_config_arn = var.lambda.code_signing_config_arn

  tags = local.tags
}

locals {
  function_arns  = { for k, m in module.invoker : k => m.function_arns[k] }
  function_names = { for k, m in module.invoker : k => m.function_names[k] }
  dlq_arns       = { for k, m in module.invoker : k => m.dlq_arn }
  dlq_urls       = { for k, m in module.invoker : k => m.dlq_url }
}

moved {
  from = aws_sqs_queue.dlq["scheduled"]
  to   = module.invoker["scheduled"].aws_sqs_queue.dlq[0]
}

moved {
  from = aws_sqs_queue.dlq["s3"]
  to   = module.invoker["s3"].aws_sqs_queue.dlq[0]
}

moved {
  from = aws_cloudwatch_log_group.this["scheduled"]
  to   = module.invoker["scheduled"].aws_cloudwatch_log_group.this[0]
}

moved {
  from = aws_cloudwatch_log_group.this["s3"]
  to   = module.invoker["s3"].aws_cloudwatch_log_group.this[0]
}

moved {
  from = aws_iam_role.lambda["scheduled"]
  to   = module.invoker["scheduled"].aws_iam_role.this[0]
}

moved {
  from = aws_iam_role.lambda["s3"]
  to   = module.invoker["s3"].aws_iam_role.this[0]
}

moved {
  from = aws_iam_role_policy.lambda["scheduled"]
  to   = module.invoker["scheduled"].aws_iam_role_policy.this[0]
}

moved {
  from = aws_iam_role_policy.lambda["s3"]
  to   = module.invoker["s3"].aws_iam_role_policy.this[0]
}

moved {
  from = aws_lambda_function.this["scheduled"]
  to   = module.invoker["scheduled"].aws_lambda_function.this["scheduled"]
}

moved {
  from = aws_lambda_function.this["s3"]
  to   = module.invoker["s3"].aws_lambda_function.this["s3"]
}

moved {
  from = aws_lambda_function_event_invoke_config.this["scheduled"]
  to   = module.invoker["scheduled"].aws_lambda_function_event_invoke_config.this["scheduled"]
}

moved {
  from = aws_lambda_function_event_invoke_config.this["s3"]
  to   = module.invoker["s3"].aws_lambda_function_event_invoke_config.this["s3"]
}

################################################################################
# Scheduled invoker: EventBridge Scheduler -> function, flow id in the input
################################################################################

resource "aws_scheduler_schedule_group" "this" {
  count = local.scheduled ? 1 : 0

  name = var.name

  tags = local.tags
}

resource "aws_iam_role" "scheduler" {
  count = local.scheduled ? 1 : 0

  name        = "${var.name}-scheduler"
  description = "Lets EventBridge Scheduler invoke the scheduled DAG invoker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/${var.name}/*" }
      }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "scheduler" {
  count = local.scheduled ? 1 : 0

  name = "invoke-the-scheduled-invoker"
  role = aws_iam_role.scheduler[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeTheFunction"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [local.function_arns["scheduled"]]
      },
      {
        Sid      = "UndeliverableToTheDlq"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [local.dlq_arns["scheduled"]]
      },
      {
        Sid      = "UseTheKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [coalesce(local.kms_key_arn, "-")]
      },
    ]
  })
}

resource "aws_scheduler_schedule" "this" {
  for_each = local.scheduled ? var.flows : {}

  name                         = each.key
  group_name                   = aws_scheduler_schedule_group.this[0].name
  description                  = coalesce(each.value.description, "Runs DAG ${each.value.dag_id} (flow ${each.key})")
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = each.value.timezone
  state                        = each.value.enabled ? "ENABLED" : "DISABLED"
  kms_key_arn                  = local.kms_key_arn

  flexible_time_window {
    mode                      = each.value.flexible_window_minutes > 0 ? "FLEXIBLE" : "OFF"
    maximum_window_in_minutes = each.value.flexible_window_minutes > 0 ? each.value.flexible_window_minutes : null
  }

  target {
    arn      = local.function_arns["scheduled"]
    role_arn = aws_iam_role.scheduler[0].arn
    # Context attributes make the run id deterministic: a redelivered invocation meets a 409, not a second run.
    input = jsonencode({
      flow_id        = each.key
      scheduled_time = "<aws.scheduler.scheduled-time>"
      execution_id   = "<aws.scheduler.execution-id>"
    })

    retry_policy {
      maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
      maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
    }

    dead_letter_config {
      arn = local.dlq_arns["scheduled"]
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}

################################################################################
# S3-event invoker, notification = "eventbridge": bucket -> EventBridge rule -> function
################################################################################

resource "aws_s3_bucket_notification" "eventbridge" {
  count = local.s3_bridge && var.s3_trigger.manage_bucket_notification ? 1 : 0

  bucket      = var.s3_trigger.bucket_name
  eventbridge = true
}

resource "aws_cloudwatch_event_rule" "s3" {
  count = local.s3_bridge ? 1 : 0

  name        = "${var.name}-s3-object-created"
  description = "Objects created in ${var.s3_trigger.bucket_name} under a routed key prefix"
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [var.s3_trigger.bucket_name] }
      object = { key = [for p in sort(keys(var.s3_trigger.routes)) : { prefix = p }] }
    }
  })

  tags = local.tags
}

resource "aws_cloudwatch_event_target" "s3" {
  count = local.s3_bridge ? 1 : 0

  rule      = aws_cloudwatch_event_rule.s3[0].name
  target_id = "s3-invoker"
  arn       = local.function_arns["s3"]

  retry_policy {
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = local.dlq_arns["s3"]
  }
}

resource "aws_lambda_permission" "events" {
  count = local.s3_bridge ? 1 : 0

  statement_id   = "object-created-rule"
  action         = "lambda:InvokeFunction"
  function_name  = local.function_names["s3"]
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.s3[0].arn
  source_account = local.account_id
}

################################################################################
# S3-event invoker, notification = "lambda": bucket notification straight to the function
################################################################################

resource "aws_lambda_permission" "s3" {
  count = local.s3_direct ? 1 : 0

  statement_id   = "bucket-notification"
  action         = "lambda:InvokeFunction"
  function_name  = local.function_names["s3"]
  principal      = "s3.amazonaws.com"
  source_arn     = local.bucket_arn
  source_account = local.account_id
}

resource "aws_s3_bucket_notification" "lambda" {
  count = local.s3_direct && var.s3_trigger.manage_bucket_notification ? 1 : 0

  bucket = var.s3_trigger.bucket_name

  dynamic "lambda_function" {
    for_each = sort(keys(var.s3_trigger.routes))
    content {
      id                  = "dag-invoker-${lambda_function.key}"
      lambda_function_arn = local.function_arns["s3"]
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = lambda_function.value
    }
  }

  depends_on = [aws_lambda_permission.s3]
}
