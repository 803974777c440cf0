# modules/mwaa-environment against the emulator + local MWAA, for the major-version guard's end-to-end test
# (tests/local_mwaa/test_version_guard_module.py) and the blue-green adoption (test_blue_green_adoption.py). Test fixture only: not for real AWS.
terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  s3_use_path_style = true
}

variable "name" {
  description = "Environment name, unique per test run."
  type        = string
}

variable "airflow_version" {
  description = "The environment's Airflow version."
  type        = string
}

variable "environment_name" {
  description = "A blue-green successor adopted by the module (tests/local_mwaa/test_blue_green_adoption.py)."
  type        = string
  default     = null
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:emulator test fixture; flow logs are the network module's job
  #checkov:skip=CKV2_AWS_12:emulator test fixture; the default security group is never used
  cidr_block = "10.43.0.0/16"
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

# the test copies the module next to this file
module "mwaa" {
  source = "./mwaa-environment"

  name              = var.name
  environment_name  = var.environment_name
  airflow_version   = var.airflow_version
  environment_class = "mw1.micro"
  vpc_id            = aws_vpc.this.id
  subnet_ids        = aws_subnet.private[*].id
  source_bucket     = { force_destroy = true }
  tags              = { "mwaa-local:runtime" = "none" }
}
