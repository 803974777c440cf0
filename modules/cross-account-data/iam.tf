################################################################################
# Account B: Glue role, Redshift role (RoleB), MWAA execution role grants
################################################################################

resource "aws_iam_role" "glue" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name        = local.glue_role_name
  description = "Glue crawler and job of ${var.name}: read ${local.input_bucket}/${var.producer.input_prefix} (account ${local.producer_account}), write curated data to ${local.staging_bucket}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.consumer_account } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "glue" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name = "cross-account-etl"
  role = aws_iam_role.glue[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ListInputPrefix"
        Effect    = "Allow"
        Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource  = local.input_bucket_arn
        Condition = { StringLike = { "s3:prefix" = ["${var.producer.input_prefix}*"] } }
      },
      {
        Sid      = "ReadInputPrefix"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.input_bucket_arn}/${var.producer.input_prefix}*"
      },
      {
        Sid       = "DecryptInput"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = aws_kms_key.producer["input"].arn
        Condition = { StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" } }
      },
      {
        Sid      = "ListStaging"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = local.staging_bucket_arn
      },
      {
        Sid      = "ReadScript"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.staging_bucket_arn}/${local.script_prefix}*"
      },
      {
        Sid      = "WriteCuratedAndTemp"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["${local.staging_bucket_arn}/${local.curated_prefix}*", "${local.staging_bucket_arn}/${local.glue_temp_prefix}*"]
      },
      {
        Sid      = "UseConsumerKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = aws_kms_key.consumer[0].arn
      },
      {
        Sid    = "CatalogOfThisPipeline"
        Effect = "Allow"
        Action = [
          "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
          "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition",
          "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition",
        ]
        Resource = [local.glue_catalog, local.glue_db_arn, local.glue_tables_arn]
      },
      {
        Sid      = "GlueLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
        Resource = [local.glue_log_groups_arn, "${local.glue_log_groups_arn}:*"]
      },
    ]
  })
}

resource "aws_iam_role" "redshift" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name        = local.redshift_role_name
  description = "RoleB: Redshift Serverless of ${var.name}; COPY from ${local.staging_bucket}, chains into ${local.unload_role_arn} to UNLOAD"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "redshift.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.consumer_account } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "redshift" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name = "copy-and-chain-to-producer"
  role = aws_iam_role.redshift[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ChainIntoProducerUnloadRole"
        Effect   = "Allow"
        Action   = "sts:AssumeRole"
        Resource = local.unload_role_arn
      },
      {
        Sid      = "ListStaging"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = local.staging_bucket_arn
      },
      {
        Sid      = "CopyFromCurated"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.staging_bucket_arn}/${local.curated_prefix}*"
      },
      {
        Sid      = "DecryptCurated"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:DescribeKey"]
        Resource = aws_kms_key.consumer[0].arn
      },
    ]
  })
}

locals {
  mwaa_statements = concat(
    [
      {
        Sid      = "ReadOwnAirflowSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = local.airflow_secret_arns
      },
      {
        Sid       = "DecryptAirflowSecrets"
        Effect    = "Allow"
        Action    = "kms:Decrypt"
        Resource  = one(aws_kms_key.consumer[*].arn)
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
      },
      {
        Sid       = "SenseInputPrefix"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = local.input_bucket_arn
        Condition = { StringLike = { "s3:prefix" = ["${var.producer.input_prefix}*"] } }
      },
      {
        Sid      = "HeadInputObjects"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.input_bucket_arn}/${var.producer.input_prefix}*"
      },
      {
        Sid      = "RunCrawler"
        Effect   = "Allow"
        Action   = ["glue:GetCrawler", "glue:StartCrawler"]
        Resource = local.glue_crawler_arn
      },
      {
        Sid      = "RunJob"
        Effect   = "Allow"
        Action   = ["glue:GetJob", "glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
        Resource = local.glue_job_arn
      },
      {
        Sid      = "ReadGlueJobLogs"
        Effect   = "Allow"
        Action   = ["logs:FilterLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams"]
        Resource = [local.glue_job_logs_arn, "${local.glue_job_logs_arn}:*"]
      },
    ],
    [for s in [
      {
        Sid      = "RedshiftDataOnWorkgroup"
        Effect   = "Allow"
        Action   = ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement", "redshift-serverless:GetCredentials"]
        Resource = local.workgroup_arn
      },
      {
        # DescribeStatement and GetStatementResult take no resource ARN; the condition limits them to own statements.
        Sid       = "RedshiftDataOwnStatements"
        Effect    = "Allow"
        Action    = ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"]
        Resource  = "*"
        Condition = { StringEquals = { "redshift-data:statement-owner-iam-userid" = "$${aws:userid}" } }
      },
    ] : s if local.redshift],
  )
}

resource "aws_iam_role_policy" "mwaa" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name   = "${var.name}-data-pipeline"
  role   = local.mwaa_role_name
  policy = jsonencode({ Version = "2012-10-17", Statement = local.mwaa_statements })

  lifecycle {
    precondition {
      condition     = local.mwaa_role_account == local.consumer_account
      error_message = "consumer.mwaa_execution_role_arn must be a role in the consumer account (the account of provider aws.consumer)."
    }
  }
}
