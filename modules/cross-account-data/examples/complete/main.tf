# Raw data in account A (producer); MWAA, Glue and Redshift Serverless in account B (consumer).
# Credentials are account B's (environment: AWS_PROFILE, or AWS_ENDPOINT_URL + dummy keys for the local
# emulator); the producer provider assumes a role in account A, as a CI pipeline would.
provider "aws" {
  alias  = "consumer"
  region = var.region
}

provider "aws" {
  alias  = "producer"
  region = var.region

  assume_role {
    role_arn     = var.producer_role_arn
    session_name = "cross-account-data-example"
  }
}

# the zones the example uses, pinned by name (a zone AWS adds later never joins silently)
data "aws_availability_zones" "available" {
  provider = aws.consumer
  state    = "available"

  filter {
    name   = "zone-name"
    values = ["${var.region}a", "${var.region}b", "${var.region}c"]
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

# ------------------------------------------------------------------------------
# Stand-ins for what other modules own in a real stack: the two VPCs (modules/network) and the MWAA
# execution role and security group (modules/mwaa-environment). Kept minimal so the example applies fast.
# ------------------------------------------------------------------------------

resource "aws_vpc" "mwaa" {
  #checkov:skip=CKV2_AWS_11:Example stand-in; modules/network adds flow logs in real stacks.
  #checkov:skip=CKV2_AWS_12:Example stand-in; modules/network locks the default security group in real stacks.
  provider             = aws.consumer
  cidr_block           = "10.10.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "${var.name}-mwaa" }
}

resource "aws_subnet" "mwaa" {
  count             = 2
  provider          = aws.consumer
  vpc_id            = aws_vpc.mwaa.id
  cidr_block        = cidrsubnet(aws_vpc.mwaa.cidr_block, 4, count.index)
  availability_zone = local.azs[count.index]
  tags              = { Name = "${var.name}-mwaa-private-${count.index}" }
}

resource "aws_route_table" "mwaa" {
  provider = aws.consumer
  vpc_id   = aws_vpc.mwaa.id
  tags     = { Name = "${var.name}-mwaa-private" }
}

resource "aws_route_table_association" "mwaa" {
  count          = 2
  provider       = aws.consumer
  subnet_id      = aws_subnet.mwaa[count.index].id
  route_table_id = aws_route_table.mwaa.id
}

resource "aws_vpc" "redshift" {
  #checkov:skip=CKV2_AWS_11:Example stand-in; modules/network adds flow logs in real stacks.
  #checkov:skip=CKV2_AWS_12:Example stand-in; modules/network locks the default security group in real stacks.
  provider             = aws.consumer
  cidr_block           = "10.20.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "${var.name}-redshift" }
}

resource "aws_subnet" "redshift" {
  count             = 3
  provider          = aws.consumer
  vpc_id            = aws_vpc.redshift.id
  cidr_block        = cidrsubnet(aws_vpc.redshift.cidr_block, 4, count.index)
  availability_zone = local.azs[count.index]
  tags              = { Name = "${var.name}-redshift-private-${count.index}" }
}

resource "aws_route_table" "redshift" {
  provider = aws.consumer
  vpc_id   = aws_vpc.redshift.id
  tags     = { Name = "${var.name}-redshift-private" }
}

resource "aws_route_table_association" "redshift" {
  count          = 3
  provider       = aws.consumer
  subnet_id      = aws_subnet.redshift[count.index].id
  route_table_id = aws_route_table.redshift.id
}

resource "aws_security_group" "mwaa" {
  provider    = aws.consumer
  name_prefix = "${var.name}-mwaa-"
  description = "Stand-in for the MWAA environment security group"
  vpc_id      = aws_vpc.mwaa.id
  tags        = { Name = "${var.name}-mwaa" }
}

resource "aws_iam_role" "mwaa_execution" {
  provider = aws.consumer
  name     = "${var.name}-mwaa-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  })
}

# ------------------------------------------------------------------------------
# The module
# ------------------------------------------------------------------------------

module "cross_account_data" {
  source = "../.."

  providers = {
    aws.producer = aws.producer
    aws.consumer = aws.consumer
  }

  name                       = var.name
  enable_redshift_serverless = var.enable_redshift_serverless

  producer = {
    input_prefix  = "sales/raw/"
    output_prefix = "sales/unload/"
    force_destroy = var.disposable
  }

  consumer = {
    mwaa_execution_role_arn        = aws_iam_role.mwaa_execution.arn
    mwaa_security_group_id         = aws_security_group.mwaa.id
    add_mwaa_egress_rule           = true
    force_destroy                  = var.disposable
    secret_recovery_window_in_days = var.disposable ? 0 : 7
  }

  network = {
    mwaa_vpc = {
      id              = aws_vpc.mwaa.id
      cidr_block      = aws_vpc.mwaa.cidr_block
      route_table_ids = [aws_route_table.mwaa.id]
      subnet_ids      = aws_subnet.mwaa[*].id
    }
    redshift_vpc = {
      id              = aws_vpc.redshift.id
      cidr_block      = aws_vpc.redshift.cidr_block
      route_table_ids = [aws_route_table.redshift.id]
      subnet_ids      = aws_subnet.redshift[*].id
    }
  }

  tags = { example = "cross-account-data" }
}

# The gate: nothing is created, every output is null.
module "cross_account_data_disabled" {
  source = "../.."

  providers = {
    aws.producer = aws.producer
    aws.consumer = aws.consumer
  }

  create   = false
  name     = "${var.name}-off"
  consumer = { mwaa_execution_role_arn = aws_iam_role.mwaa_execution.arn }
  network = {
    mwaa_vpc     = { id = aws_vpc.mwaa.id, cidr_block = aws_vpc.mwaa.cidr_block, route_table_ids = [], subnet_ids = [] }
    redshift_vpc = { id = aws_vpc.redshift.id, cidr_block = aws_vpc.redshift.cidr_block, route_table_ids = [], subnet_ids = [] }
  }
  enable_redshift_serverless = false
}
