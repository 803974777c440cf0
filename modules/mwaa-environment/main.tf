################################################################################
# Class table (source and date in README.md) and derived values
################################################################################

locals {
  # MWAA capacity per environment class. workers.max = null means "up to the account's worker quota".
  class_limits = {
    "mw1.micro"   = { schedulers = { min = 1, max = 1, default = 1 }, webservers = { min = 1, max = 1, default = 1 }, workers = { max = 1, default_max = 1 }, tasks_per_worker = 3 }
    "mw1.small"   = { schedulers = { min = 2, max = 5, default = 2 }, webservers = { min = 2, max = 5, default = 2 }, workers = { max = var.worker_quota, default_max = 10 }, tasks_per_worker = 5 }
    "mw1.medium"  = { schedulers = { min = 2, max = 5, default = 2 }, webservers = { min = 2, max = 5, default = 2 }, workers = { max = var.worker_quota, default_max = 10 }, tasks_per_worker = 10 }
    "mw1.large"   = { schedulers = { min = 2, max = 5, default = 2 }, webservers = { min = 2, max = 5, default = 2 }, workers = { max = var.worker_quota, default_max = 10 }, tasks_per_worker = 20 }
    "mw1.xlarge"  = { schedulers = { min = 2, max = 5, default = 2 }, webservers = { min = 2, max = 5, default = 2 }, workers = { max = var.worker_quota, default_max = 10 }, tasks_per_worker = 40 }
    "mw1.2xlarge" = { schedulers = { min = 2, max = 5, default = 2 }, webservers = { min = 2, max = 5, default = 2 }, workers = { max = var.worker_quota, default_max = 10 }, tasks_per_worker = 80 }
  }
  class = lookup(local.class_limits, var.environment_class, local.class_limits["mw1.small"])
  # The allowed ranges in words, for validation messages.
  class_ranges = { for k, c in local.class_limits : k => {
    schedulers = c.schedulers.min == c.schedulers.max ? "exactly ${c.schedulers.min}" : "${c.schedulers.min}-${c.schedulers.max}"
    webservers = c.webservers.min == c.webservers.max ? "exactly ${c.webservers.min}" : "${c.webservers.min}-${c.webservers.max}"
    workers    = c.workers.max == 1 ? "exactly 1" : "1-${c.workers.max}"
  } }

  schedulers     = coalesce(var.schedulers, local.class.schedulers.default)
  min_workers    = coalesce(var.min_workers, 1)
  max_workers    = coalesce(var.max_workers, max(local.class.workers.default_max, local.min_workers))
  min_webservers = coalesce(var.min_webservers, local.class.webservers.default)
  max_webservers = coalesce(var.max_webservers, max(local.class.webservers.default, local.min_webservers))

  account_id = module.context.account_id
  region     = module.context.region
  partition  = module.context.partition

  # The environment itself is var.name or, after a blue-green upgrade adopted through environment_name, a
  # successor named "<name>-..." (<name>-<major>-<minor>): the role and its log permissions cover both, so that
  # adopting the successor changes no policy. Log groups: airflow-<name>-* already matches the successor's.
  environment_name = coalesce(var.environment_name, var.name)
  environment_arn  = "arn:${local.partition}:airflow:${local.region}:${local.account_id}:environment/${var.name}"
  environment_arns = [local.environment_arn, "${local.environment_arn}-*"]
  log_group_arn    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:airflow-${var.name}-*"

  tags = merge(var.tags, { "mwaa-platform:environment" = var.name })
}

module "context" {
  source = "../_aws_context"
  create = var.create
}

################################################################################
# KMS key
################################################################################

module "kms" {
  source = "../_kms"
  create = var.create && var.kms.create

  alias                   = "mwaa-${var.name}"
  description             = "MWAA environment ${var.name}: environment data, source bucket, log groups"
  deletion_window_in_days = var.kms.deletion_window_in_days
  logs                    = { sid = "CloudWatchLogsForThisEnvironment", log_group_arns = local.log_group_arn, operator = "ArnLike" }
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
  # The key the source bucket's objects are encrypted with: a brought bucket's own key, else the environment's.
  object_kms_key_arn = var.source_bucket.kms_key_arn != null ? var.source_bucket.kms_key_arn : local.kms_key_arn
}

################################################################################
# Log groups (pre-created so retention and encryption are ours; MWAA reuses them)
################################################################################

locals {
  log_types = {
    dag_processing = "DAGProcessing"
    scheduler      = "Scheduler"
    task           = "Task"
    webserver      = "WebServer"
    worker         = "Worker"
  }
  enabled_logs = { for k, suffix in local.log_types : k => "airflow-${local.environment_name}-${suffix}" if var.create && var.logging[k].enabled }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.enabled_logs

  name              = each.value
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = local.tags
}

################################################################################
# Security group
################################################################################

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached to the environment through aws_mwaa_environment.network_configuration, which checkov does not follow.
  count = var.create ? 1 : 0

  name        = "${var.name}-mwaa"
  description = "MWAA ${var.name}: traffic among its containers and endpoints, HTTPS out"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-mwaa" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "self" {
  count = var.create ? 1 : 0

  security_group_id            = aws_security_group.this[0].id
  description                  = "All traffic among the environment's containers and its endpoints (MWAA requires this self reference)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.this[0].id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "self" {
  count = var.create ? 1 : 0

  security_group_id            = aws_security_group.this[0].id
  description                  = "All traffic to the environment's containers and endpoints (database 5432, webserver 443)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.this[0].id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = var.create ? toset(var.https_egress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS to AWS APIs (through VPC endpoints or NAT)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value

  tags = local.tags
}

################################################################################
# Execution role
################################################################################

locals {
  create_role = var.create && var.execution_role.create
  queue_arns  = var.celery_executor_queue_arn != null ? [var.celery_executor_queue_arn] : ["arn:${local.partition}:sqs:${local.region}:*:airflow-celery-*"]
  secrets     = var.airflow_configuration_presets.secrets_manager
  secret_prefixes = local.secrets == null ? [] : compact([
    local.secrets.connections_prefix, local.secrets.variables_prefix, local.secrets.config_prefix
  ])

  # MWAA's documented execution-role policy, scoped to this environment. Statements are JSON strings so that
  # optional ones of different shapes can be concatenated.
  execution_statements = concat(
    [
      jsonencode({
        Sid      = "PublishMetrics"
        Effect   = "Allow"
        Action   = ["airflow:PublishMetrics"]
        Resource = local.environment_arns
      }),
      # ListAllMyBuckets has no resource type (only "*" can match it): on a bucket ARN the Deny never applied.
      jsonencode({
        Sid      = "NoBucketListing"
        Effect   = "Deny"
        Action   = ["s3:ListAllMyBuckets"]
        Resource = "*"
      }),
      jsonencode({
        Sid      = "ReadSourceBucket"
        Effect   = "Allow"
        Action   = ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]
        Resource = [local.bucket_arn_text, "${local.bucket_arn_text}/*"]
      }),
      jsonencode({
        Sid      = "CheckPublicAccessBlock"
        Effect   = "Allow"
        Action   = ["s3:GetAccountPublicAccessBlock"]
        Resource = ["*"]
      }),
      jsonencode({
        Sid    = "WriteOwnLogs"
        Effect = "Allow"
        Action = [
          "logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents",
          "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults",
        ]
        Resource = [local.log_group_arn, "${local.log_group_arn}:*"]
      }),
      jsonencode({
        Sid      = "FindLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["*"]
      }),
      jsonencode({
        Sid       = "PutMetrics"
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = ["*"]
        Condition = { StringEquals = { "cloudwatch:namespace" = "AmazonMWAA" } }
      }),
      jsonencode({
        Sid    = "CeleryQueue"
        Effect = "Allow"
        Action = [
          "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
          "sqs:ReceiveMessage", "sqs:SendMessage",
        ]
        Resource = local.queue_arns
      }),
      local.kms_key_arn != null ? jsonencode({
        Sid       = "UseEnvironmentKeyThroughSqsAndS3"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"]
        Resource  = [local.kms_key_arn]
        Condition = { StringLike = { "kms:ViaService" = ["sqs.${local.region}.amazonaws.com", "s3.${local.region}.amazonaws.com"] } }
        }) : jsonencode({
        Sid         = "UseAwsOwnedKeyThroughSqs"
        Effect      = "Allow"
        Action      = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"]
        NotResource = ["arn:${local.partition}:kms:*:${local.account_id}:key/*"]
        Condition   = { StringLike = { "kms:ViaService" = ["sqs.${local.region}.amazonaws.com"] } }
      }),
    ],
    var.source_bucket.kms_key_arn == null ? [] : [jsonencode({
      Sid       = "ReadSourceObjectsWithTheBucketKey"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:DescribeKey"]
      Resource  = [var.source_bucket.kms_key_arn]
      Condition = { StringLike = { "kms:ViaService" = ["s3.${local.region}.amazonaws.com"] } }
    })],
    length(local.secret_prefixes) > 0 ? [jsonencode({
      Sid      = "ReadAirflowSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource = [for p in local.secret_prefixes : "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${p}/*"]
    })] : [],
    [for i, s in var.execution_role.extra_statements : jsonencode(merge(
      {
        Sid      = coalesce(s.sid, "Extra${i}")
        Effect   = s.effect
        Action   = s.actions
        Resource = s.resources
      },
      length(s.conditions) == 0 ? {} : {
        Condition = { for test in distinct([for c in s.conditions : c.test]) : test => {
          for c in s.conditions : c.variable => c.values if c.test == test
        } }
      }
    ))],
  )
  execution_policy = jsonencode({ Version = "2012-10-17", Statement = [for s in local.execution_statements : jsondecode(s)] })
}

resource "aws_iam_role" "execution" {
  count = local.create_role ? 1 : 0

  name                 = "${substr("mwaa-${var.name}-${local.region}", 0, 54)}-execution" # IAM is global: one name per region
  description          = "Execution role of MWAA environment ${var.name}"
  permissions_boundary = var.execution_role.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyThisEnvironment"
      Effect    = "Allow"
      Principal = { Service = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = local.environment_arns }
      }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "execution" {
  count = local.create_role ? 1 : 0

  name   = "mwaa-execution"
  role   = aws_iam_role.execution[0].id
  policy = local.execution_policy
}

resource "aws_iam_role_policy_attachment" "execution" {
  for_each = local.create_role ? toset(var.execution_role.managed_policy_arns) : toset([])

  role       = aws_iam_role.execution[0].name
  policy_arn = each.value
}

locals {
  execution_role_arn = local.create_role ? try(aws_iam_role.execution[0].arn, null) : var.execution_role.arn
}

################################################################################
# Airflow configuration presets
################################################################################

locals {
  presets  = var.airflow_configuration_presets
  airflow3 = startswith(var.airflow_version, "3.")
  preset_options = merge(
    local.secrets == null ? {} : {
      "secrets.backend" = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
      "secrets.backend_kwargs" = jsonencode(merge(
        { connections_prefix = local.secrets.connections_prefix, variables_prefix = local.secrets.variables_prefix },
        local.secrets.config_prefix == null ? {} : { config_prefix = local.secrets.config_prefix },
      ))
    },
    local.presets.secrets_cache == null ? {} : {
      "secrets.use_cache"         = local.presets.secrets_cache.enabled ? "True" : "False"
      "secrets.cache_ttl_seconds" = tostring(local.presets.secrets_cache.ttl_seconds)
    },
    local.presets.task_queued_timeout_seconds == null ? {} : {
      "scheduler.task_queued_timeout" = format("%.1f", local.presets.task_queued_timeout_seconds)
    },
    # Airflow 3 renamed triggerer.default_capacity to triggerer.capacity.
    local.presets.triggerer_capacity == null ? {} : {
      (local.airflow3 ? "triggerer.capacity" : "triggerer.default_capacity") = tostring(local.presets.triggerer_capacity)
    },
    local.presets.worker_autoscale == null ? {} : {
      "celery.worker_autoscale" = "${local.presets.worker_autoscale.max_tasks},${local.presets.worker_autoscale.min_tasks}"
    },
  )
  airflow_configuration_options = merge(local.preset_options, var.airflow_configuration_options)
}

################################################################################
# Environment
################################################################################

resource "aws_mwaa_environment" "this" {
  #checkov:skip=CKV2_AWS_66:webserver_access_mode defaults to PRIVATE_ONLY; PUBLIC_ONLY is an explicit caller choice and still requires IAM-authenticated web login.
  #checkov:skip=CKV_AWS_242:Every log type is on unless the caller sets logging.<type>.enabled = false, a choice documented in the README (Security and logging); checkov cannot resolve the typed object's optional defaults.
  #checkov:skip=CKV_AWS_243:Every log type is on unless the caller sets logging.<type>.enabled = false, a choice documented in the README (Security and logging); checkov cannot resolve the typed object's optional defaults.
  #checkov:skip=CKV_AWS_244:Every log type is on unless the caller sets logging.<type>.enabled = false, a choice documented in the README (Security and logging); checkov cannot resolve the typed object's optional defaults.
  count = var.create && var.create_environment ? 1 : 0

  name               = local.environment_name
  airflow_version    = var.airflow_version
  environment_class  = var.environment_class
  execution_role_arn = local.execution_role_arn
  source_bucket_arn  = local.bucket_arn
  kms_key            = local.kms_key_arn

  schedulers     = local.schedulers
  min_workers    = local.min_workers
  max_workers    = local.max_workers
  min_webservers = local.min_webservers
  max_webservers = local.max_webservers

  webserver_access_mode           = var.webserver_access_mode
  endpoint_management             = var.endpoint_management
  weekly_maintenance_window_start = var.weekly_maintenance_window_start

  dag_s3_path                      = var.dag_s3_path
  requirements_s3_path             = var.requirements == null ? null : var.requirements.s3_path
  requirements_s3_object_version   = local.object_versions.requirements
  plugins_s3_path                  = var.plugins == null ? null : var.plugins.s3_path
  plugins_s3_object_version        = local.object_versions.plugins
  startup_script_s3_path           = var.startup_script == null ? null : var.startup_script.s3_path
  startup_script_s3_object_version = local.object_versions.startup_script

  airflow_configuration_options = local.airflow_configuration_options

  network_configuration {
    security_group_ids = concat([aws_security_group.this[0].id], var.additional_security_group_ids)
    subnet_ids         = var.subnet_ids
  }

  logging_configuration {
    dag_processing_logs {
      enabled   = var.logging.dag_processing.enabled
      log_level = var.logging.dag_processing.level
    }
    scheduler_logs {
      enabled   = var.logging.scheduler.enabled
      log_level = var.logging.scheduler.level
    }
    task_logs {
      enabled   = var.logging.task.enabled
      log_level = var.logging.task.level
    }
    webserver_logs {
      enabled   = var.logging.webserver.enabled
      log_level = var.logging.webserver.level
    }
    worker_logs {
      enabled   = var.logging.worker.enabled
      log_level = var.logging.worker.level
    }
  }

  timeouts {
    create = var.timeouts.create
    update = var.timeouts.update
    delete = var.timeouts.delete
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.allow_major_version_replacement || !local.major_upgrade_replaces
      error_message = "airflow_version ${var.airflow_version} would move environment ${local.environment_name} from Airflow ${coalesce(local.recorded_airflow_version, "?")} to a higher major version, which hashicorp/aws plans as a replacement: the metadata database and all its history would be destroyed. Safe paths: change the version in place first (MWAA allows it from 2.11.x: aws mwaa update-environment --airflow-version ${var.airflow_version}, then mwaa-platform versions record --env ${local.environment_name}) and set airflow_version afterwards (the plan is then clean), or move blue/green to a new environment with the metadata engine (mwaa-platform metadata backup / restore). To replace the environment and lose its history anyway, set allow_major_version_replacement = true."
    }
  }

  depends_on = [
    aws_iam_role_policy.execution,
    aws_iam_role_policy_attachment.execution,
    aws_cloudwatch_log_group.this,
    module.source_bucket,
    aws_s3_object.dags,
    aws_vpc_security_group_ingress_rule.self,
    aws_vpc_security_group_egress_rule.self,
    aws_vpc_security_group_egress_rule.https,
  ]
}
