# Minimal configuration that drives aws_mwaa_environment against the emulator + local MWAA.
# Test fixture only (tests/local_mwaa/test_terraform.py): not a module, not for real AWS.
terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  s3_use_path_style = true
}

variable "prefix" {
  type        = string
  description = "Name prefix, unique per test run."
}

variable "environments" {
  description = "Environments to create, by key."
  type = map(object({
    environment_class   = string
    schedulers          = number
    min_workers         = number
    max_workers         = number
    min_webservers      = number
    max_webservers      = number
    endpoint_management = optional(string, "SERVICE")
    access_mode         = optional(string, "PRIVATE_ONLY")
    with_requirements   = optional(bool, false)
    airflow_version     = optional(string, "2.10.3")
  }))
}

variable "requirements" {
  type        = string
  description = "Content of requirements.txt (a change makes a new S3 object version)."
  default     = "requests\n"
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:emulator test fixture; flow logs are the network module's job
  #checkov:skip=CKV2_AWS_12:emulator test fixture; the default security group is never used
  cidr_block = "10.42.0.0/16"
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_security_group" "mwaa" {
  name        = "${var.prefix}-mwaa"
  description = "MWAA environments"
  vpc_id      = aws_vpc.this.id
}

resource "aws_iam_role" "execution" {
  name = "${var.prefix}-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_s3_bucket" "source" {
  #checkov:skip=CKV_AWS_18:emulator test fixture; access logs are the mwaa-environment module's job
  #checkov:skip=CKV_AWS_144:emulator test fixture; replication is the dr-storage module's job
  #checkov:skip=CKV_AWS_145:emulator test fixture; SSE-KMS is the mwaa-environment module's job
  #checkov:skip=CKV2_AWS_61:emulator test fixture; lives for one test, no lifecycle needed
  #checkov:skip=CKV2_AWS_62:emulator test fixture; no consumers of bucket events
  bucket        = "${var.prefix}-source"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "source" {
  bucket                  = aws_s3_bucket.source.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "source" {
  bucket = aws_s3_bucket.source.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_object" "requirements" {
  bucket     = aws_s3_bucket.source.id
  key        = "requirements.txt"
  content    = var.requirements
  depends_on = [aws_s3_bucket_versioning.source]
}

resource "aws_mwaa_environment" "this" {
  #checkov:skip=CKV2_AWS_66:access mode comes from the test matrix (PRIVATE_ONLY unless set); all on loopback
  for_each = var.environments

  name                  = "${var.prefix}-${each.key}"
  airflow_version       = each.value.airflow_version
  environment_class     = each.value.environment_class
  schedulers            = each.value.schedulers
  min_workers           = each.value.min_workers
  max_workers           = each.value.max_workers
  min_webservers        = each.value.min_webservers
  max_webservers        = each.value.max_webservers
  endpoint_management   = each.value.endpoint_management
  webserver_access_mode = each.value.access_mode
  execution_role_arn    = aws_iam_role.execution.arn
  source_bucket_arn     = aws_s3_bucket.source.arn
  dag_s3_path           = "dags"

  requirements_s3_path           = each.value.with_requirements ? aws_s3_object.requirements.key : null
  requirements_s3_object_version = each.value.with_requirements ? aws_s3_object.requirements.version_id : null

  network_configuration {
    security_group_ids = [aws_security_group.mwaa.id]
    subnet_ids         = aws_subnet.private[*].id
  }

  logging_configuration {
    dag_processing_logs {
      enabled   = true
      log_level = "WARNING"
    }
    scheduler_logs {
      enabled   = true
      log_level = "WARNING"
    }
    task_logs {
      enabled   = true
      log_level = "INFO"
    }
    webserver_logs {
      enabled   = true
      log_level = "ERROR"
    }
    worker_logs {
      enabled   = true
      log_level = "CRITICAL"
    }
  }

  tags = {
    "mwaa-local:runtime" = "none"
    purpose              = "local-mwaa-test"
  }
}

output "environments" {
  description = "What the tests compare against the API (status is polled through boto3 instead)."
  value = {
    for k, e in aws_mwaa_environment.this : k => {
      arn                            = e.arn
      webserver_url                  = e.webserver_url
      database_vpc_endpoint_service  = e.database_vpc_endpoint_service
      webserver_vpc_endpoint_service = e.webserver_vpc_endpoint_service
      environment_class              = e.environment_class
      requirements_s3_object_version = e.requirements_s3_object_version
    }
  }
}

output "requirements_version" {
  description = "The current version of requirements.txt in the source bucket."
  value       = aws_s3_object.requirements.version_id
}

output "vpc_id" {
  description = "VPC of the environments (where CUSTOMER endpoints go)."
  value       = aws_vpc.this.id
}
