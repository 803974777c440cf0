################################################################################
# Lambdas: one per task, all from the same zip
################################################################################

locals {
  restores = var.dr_mode == "backup_restore"
  # "when" leaves a statement out; the rest is passed to modules/_lambda as typed statements.
  lambda_statements = [for st in [
    {
      when      = true
      sid       = "FailoverState"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      resources = [try(aws_dynamodb_table.state[0].arn, "-")]
    },
    {
      when      = true
      sid       = "StoredEnvironmentConfiguration"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${local.bucket_arn}/${trim(var.storage.config_prefix, "/")}/*"]
    },
    {
      when       = true
      sid        = "StoredConfigurationLookups"
      actions    = ["s3:ListBucket"]
      resources  = [local.bucket_arn]
      conditions = { StringLike = { "s3:prefix" = ["${trim(var.storage.config_prefix, "/")}/*"] } }
    },
    {
      when      = true
      sid       = "Keys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = distinct(compact([local.kms_key_arn, var.storage.kms_key_arn]))
    },
    {
      when      = true
      sid       = "Notify"
      actions   = ["sns:Publish"]
      resources = [try(aws_sns_topic.this[0].arn, "-")]
    },
    {
      when      = true
      sid       = "HeartbeatMetrics"
      actions   = ["cloudwatch:GetMetricData"]
      resources = ["*"]
    },
    {
      when      = true
      sid       = "Environments"
      actions   = ["airflow:GetEnvironment"]
      resources = values(local.env_arn)
    },
    {
      when      = true
      sid       = "AirflowRestApi"
      actions   = ["airflow:InvokeRestApi"]
      resources = values(local.rest_arn)
    },
    {
      when      = local.restores
      sid       = "CreateSecondaryEnvironment"
      actions   = ["airflow:CreateEnvironment", "airflow:TagResource"]
      resources = [local.env_arn.secondary]
    },
    {
      when       = local.restores && var.secondary_environment.execution_role_arn != null
      sid        = "PassTheSecondaryExecutionRole"
      actions    = ["iam:PassRole"]
      resources  = [coalesce(var.secondary_environment.execution_role_arn, "-")]
      conditions = { StringEquals = { "iam:PassedToService" = ["airflow.amazonaws.com"] } }
    },
    {
      when       = local.restores
      sid        = "MwaaServiceLinkedRole"
      actions    = ["iam:CreateServiceLinkedRole"]
      resources  = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/airflow.amazonaws.com/*"]
      conditions = { StringEquals = { "iam:AWSServiceName" = ["airflow.amazonaws.com"] } }
    },
    {
      when      = local.restores
      sid       = "DescribeTheSecondaryNetwork"
      actions   = ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"]
      resources = ["*"]
    },
    {
      when       = local.restores && var.secondary_environment.kms_key_arn != null
      sid        = "SecondaryEnvironmentKey"
      actions    = ["kms:DescribeKey", "kms:CreateGrant"]
      resources  = [coalesce(var.secondary_environment.kms_key_arn, "-")]
      conditions = { StringEquals = { "kms:ViaService" = ["airflow.${local.region}.amazonaws.com"] } }
    },
  ] : { sid = st.sid, actions = st.actions, resources = st.resources, conditions = try(st.conditions, {}) } if st.when]
}

# Step Functions invokes the steps synchronously (it retries, catches and alerts), so there is no dead-letter
# queue; runtime, memory, architecture and tracing are the platform defaults of modules/_lambda.
module "lambda" {
  source = "../_lambda"

  create = var.create
  name   = local.function_prefix
  functions = { for k, h in local.handlers : k => {
    name        = "${local.function_prefix}-${k}"
    description = h.description
    handler     = h.handler
    timeout     = h.timeout
  } }
  filename             = var.lambda_zip_path
  reserved_concurrency = var.reserved_concurrency
  kms_key_arn          = local.kms_key_arn
  environment_variables = merge(var.lambda_environment, {
    MWAA_PLATFORM_FAILOVER_CONFIG = jsonencode(local.failover_config)
  })
  log_retention_in_days = var.log_retention_days
  role = {
    name        = "${local.function_prefix}-lambda"
    description = "The failover steps of ${var.env}"
    policy_name = "failover-steps"
  }
  policy_statements = local.lambda_statements

  tags = local.tags
}

locals {
  step_arns = coalesce(module.lambda.function_arns, {})
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
  from = aws_lambda_function.step["acquire_lease"]
  to   = module.lambda.aws_lambda_function.this["acquire_lease"]
}

moved {
  from = aws_lambda_function.step["create_environment"]
  to   = module.lambda.aws_lambda_function.this["create_environment"]
}

moved {
  from = aws_lambda_function.step["evaluate_health"]
  to   = module.lambda.aws_lambda_function.this["evaluate_health"]
}

moved {
  from = aws_lambda_function.step["fence_primary"]
  to   = module.lambda.aws_lambda_function.this["fence_primary"]
}

moved {
  from = aws_lambda_function.step["notify"]
  to   = module.lambda.aws_lambda_function.this["notify"]
}

moved {
  from = aws_lambda_function.step["on_failure"]
  to   = module.lambda.aws_lambda_function.this["on_failure"]
}

moved {
  from = aws_lambda_function.step["release"]
  to   = module.lambda.aws_lambda_function.this["release"]
}

moved {
  from = aws_lambda_function.step["start_restore"]
  to   = module.lambda.aws_lambda_function.this["start_restore"]
}

moved {
  from = aws_lambda_function.step["store_config"]
  to   = module.lambda.aws_lambda_function.this["store_config"]
}

moved {
  from = aws_lambda_function.step["unpause"]
  to   = module.lambda.aws_lambda_function.this["unpause"]
}

moved {
  from = aws_lambda_function.step["verify"]
  to   = module.lambda.aws_lambda_function.this["verify"]
}

moved {
  from = aws_lambda_function.step["wait_available"]
  to   = module.lambda.aws_lambda_function.this["wait_available"]
}
