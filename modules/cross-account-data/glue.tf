################################################################################
# Account B: Glue catalog database, crawler over the input prefix, transform job
################################################################################

resource "aws_glue_catalog_database" "this" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name        = local.glue_database
  description = "Tables crawled from s3://${local.input_bucket}/${var.producer.input_prefix} (account ${local.producer_account})"
  tags        = local.tags
}

resource "aws_glue_security_configuration" "this" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name = local.glue_security_configuration
  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.consumer[0].arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.consumer[0].arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.consumer[0].arn
    }
  }
}

resource "aws_glue_crawler" "input" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                   = local.glue_crawler
  description            = "Crawls s3://${local.input_bucket}/${var.producer.input_prefix} (hive-style partitions) into ${local.glue_database}"
  database_name          = aws_glue_catalog_database.this[0].name
  role                   = aws_iam_role.glue[0].arn
  table_prefix           = var.glue.table_prefix
  schedule               = var.glue.crawler_schedule
  security_configuration = aws_glue_security_configuration.this[0].name

  s3_target {
    path = "s3://${local.input_bucket}/${var.producer.input_prefix}"
  }

  schema_change_policy {
    delete_behavior = "LOG"
    update_behavior = "UPDATE_IN_DATABASE"
  }

  configuration = jsonencode({
    Version       = 1
    CrawlerOutput = { Partitions = { AddOrUpdateBehavior = "InheritFromTable" } }
    Grouping      = { TableGroupingPolicy = "CombineCompatibleSchemas" }
  })
  tags = local.tags

  depends_on = [aws_iam_role_policy.glue, module.producer_bucket]
}

resource "aws_s3_object" "glue_script" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  bucket                 = module.staging_bucket.id
  key                    = local.glue_script_key
  source                 = local.glue_script_path
  source_hash            = filemd5(local.glue_script_path)
  content_type           = "text/x-python"
  server_side_encryption = "aws:kms"
  kms_key_id             = aws_kms_key.consumer[0].arn
  tags                   = local.tags

  depends_on = [module.staging_bucket]
}

resource "aws_glue_job" "transform" {
  count    = local.create ? 1 : 0
  provider = aws.consumer

  name                   = local.glue_job
  description            = "Reads ${local.glue_database}.${local.input_table} for one dt partition, writes Parquet to s3://${local.staging_bucket}/${local.curated_prefix}dt=<run_date>/"
  role_arn               = aws_iam_role.glue[0].arn
  glue_version           = var.glue.glue_version
  worker_type            = var.glue.worker_type
  number_of_workers      = var.glue.number_of_workers
  execution_class        = "STANDARD"
  timeout                = var.glue.timeout_minutes
  max_retries            = var.glue.max_retries
  security_configuration = aws_glue_security_configuration.this[0].name

  command {
    name            = "glueetl"
    script_location = "s3://${local.staging_bucket}/${aws_s3_object.glue_script[0].key}"
    python_version  = "3"
  }

  default_arguments = {
    "--job-language"        = "python"
    "--job-bookmark-option" = "job-bookmark-disable"
    "--TempDir"             = "s3://${local.staging_bucket}/${local.glue_temp_prefix}"
    "--source_database"     = local.glue_database
    "--source_table"        = local.input_table
    "--target_path"         = "s3://${local.staging_bucket}/${local.curated_prefix}"
    "--run_date"            = "1970-01-01"
  }

  execution_property {
    max_concurrent_runs = 1
  }
  tags = local.tags

  depends_on = [aws_iam_role_policy.glue]
}
