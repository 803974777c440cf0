################################################################################
# Source bucket
################################################################################

locals {
  create_bucket = var.create && var.source_bucket.create
  derived_bucket_name = replace(
    substr(replace(lower("airflow-${var.name}-${local.account_id}-${local.region}"), "_", "-"), 0, 63), "/-+$/", ""
  )
  bucket_name = local.create_bucket ? coalesce(var.source_bucket.name, local.derived_bucket_name) : try(split(":::", var.source_bucket.arn)[1], null)
  bucket_arn  = local.create_bucket ? module.source_bucket.arn : var.source_bucket.arn
  bucket_id   = local.create_bucket ? module.source_bucket.id : local.bucket_name
  # For policy documents, which are only rendered when the module creates the role.
  bucket_arn_text = local.bucket_arn == null ? "" : local.bucket_arn
}

module "source_bucket" {
  source = "../_bucket"

  create        = local.create_bucket
  name          = coalesce(local.bucket_name, "-")
  force_destroy = var.source_bucket.force_destroy
  kms_key_arn   = local.kms_key_arn
  lifecycle_rule = {
    id              = "expire-old-versions"
    noncurrent_days = var.source_bucket.noncurrent_days
  }
  access_logging = var.source_bucket.access_log_bucket == null ? null : {
    target_bucket = var.source_bucket.access_log_bucket
    target_prefix = "${var.source_bucket.access_log_prefix}${local.bucket_name}/"
  }

  tags = local.tags
}

moved {
  from = aws_s3_bucket.source[0]
  to   = module.source_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_versioning.source[0]
  to   = module.source_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.source[0]
  to   = module.source_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.source[0]
  to   = module.source_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.source[0]
  to   = module.source_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.source[0]
  to   = module.source_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.source[0]
  to   = module.source_bucket.aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket_policy.source[0]
  to   = module.source_bucket.aws_s3_bucket_policy.this[0]
}

################################################################################
# Objects: DAGs, requirements, plugins, startup script
################################################################################

locals {
  dag_prefix = trimsuffix(var.dag_s3_path, "/")
  dag_files  = var.create && var.dags_source_dir != null ? fileset(var.dags_source_dir, "**") : toset([])
  uploads = {
    requirements   = var.requirements
    plugins        = var.plugins
    startup_script = var.startup_script
  }
  uploaded = { for k, v in local.uploads : k => v if var.create && v != null && try(v.source != null, false) }
}

# Objects wait for the bucket's versioning and encryption so that every upload gets a version id.
resource "aws_s3_object" "dags" {
  for_each = local.dag_files

  bucket                 = local.bucket_id
  key                    = "${local.dag_prefix}/${each.value}"
  source                 = "${var.dags_source_dir}/${each.value}"
  source_hash            = filemd5("${var.dags_source_dir}/${each.value}")
  kms_key_id             = local.object_kms_key_arn
  server_side_encryption = "aws:kms"

  tags       = local.tags
  depends_on = [module.source_bucket]
}

resource "aws_s3_object" "upload" {
  for_each = local.uploaded

  bucket                 = local.bucket_id
  key                    = each.value.s3_path
  source                 = each.value.source
  source_hash            = filemd5(each.value.source)
  kms_key_id             = local.object_kms_key_arn
  server_side_encryption = "aws:kms"

  tags       = local.tags
  depends_on = [module.source_bucket]
}

locals {
  # The version MWAA is told to use: the module's upload (changes whenever the file does) or the caller's.
  object_versions = {
    for k, v in local.uploads : k => (
      v == null ? null : (contains(keys(local.uploaded), k) ? aws_s3_object.upload[k].version_id : v.object_version)
    )
  }
}
