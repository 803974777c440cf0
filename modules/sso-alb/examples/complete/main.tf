# One SSO load balancer in front of two MWAA environments, one of them with a private web server reached
# over VPC peering. The network here is minimal so the example stands alone; in the platform it comes
# from modules/network.

provider "aws" {
  region = var.region
}

# the zones the example uses, pinned by name (a zone AWS adds later never joins silently)
data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "zone-name"
    values = ["${var.region}a", "${var.region}b"]
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 2)
}

resource "aws_vpc" "users" {
  #checkov:skip=CKV2_AWS_11:Example stand-in network; the platform's modules/network VPCs have flow logs.
  cidr_block           = "10.80.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "${var.name}-users" }
}

resource "aws_default_security_group" "users" {
  vpc_id = aws_vpc.users.id # no rules: nothing uses the default group
}

resource "aws_subnet" "users" {
  count = 2

  vpc_id            = aws_vpc.users.id
  cidr_block        = cidrsubnet(aws_vpc.users.cidr_block, 8, count.index)
  availability_zone = local.azs[count.index]
  tags              = { Name = "${var.name}-users-${local.azs[count.index]}" }
}

resource "aws_route_table" "users" {
  vpc_id = aws_vpc.users.id
  tags   = { Name = "${var.name}-users" }
}

resource "aws_route_table_association" "users" {
  count = 2

  subnet_id      = aws_subnet.users[count.index].id
  route_table_id = aws_route_table.users.id
}

# Stand-in for the VPC of a PRIVATE_ONLY MWAA environment (modules/mwaa-environment in the platform).
resource "aws_vpc" "mwaa" {
  #checkov:skip=CKV2_AWS_11:Example stand-in for an MWAA VPC; the platform's modules/network VPCs have flow logs.
  cidr_block = "10.81.0.0/16"
  tags       = { Name = "${var.name}-mwaa" }
}

resource "aws_default_security_group" "mwaa" {
  vpc_id = aws_vpc.mwaa.id
}

resource "aws_route_table" "mwaa" {
  vpc_id = aws_vpc.mwaa.id
  tags   = { Name = "${var.name}-mwaa" }
}

module "sso_alb" {
  source = "../.."

  name                = var.name
  vpc_id              = aws_vpc.users.id
  subnet_ids          = aws_subnet.users[*].id
  internal            = true
  ingress_cidr_blocks = ["10.0.0.0/8"]
  certificate_arn     = var.certificate_arn
  deletion_protection = var.deletion_protection

  oidc = {
    issuer                 = "https://login.example.com"
    authorization_endpoint = "https://login.example.com/oauth2/v1/authorize"
    token_endpoint         = "https://login.example.com/oauth2/v1/token"
    user_info_endpoint     = "https://login.example.com/oauth2/v1/userinfo"
    client_id              = "airflow-sso"
    client_secret_arn      = var.oidc_client_secret_arn
    client_secret_json_key = "client_secret"
    scope                  = "openid email profile groups"
    logout_url             = "https://login.example.com/oauth2/v1/logout"
  }

  environments = {
    dev = {
      mwaa_environment_name = "${var.name}-dev"
      allowed_roles         = ["Admin", "Op", "User", "Viewer"]
    }
    prod = {
      mwaa_environment_name = "${var.name}-prod"
      allowed_roles         = ["Op", "Viewer"]
      host_headers          = ["prod-airflow.example.com"]
    }
  }

  authenticator = {
    zip_path           = var.authenticator_zip_path
    log_retention_days = 365
    key_url_base       = var.authenticator_key_url_base
  }

  access_logs = {
    force_destroy = var.force_destroy_logs
  }

  vpc_peerings = {
    prod = {
      peer_vpc_id          = aws_vpc.mwaa.id
      peer_cidr_block      = aws_vpc.mwaa.cidr_block
      route_table_ids      = [aws_route_table.users.id]
      peer_route_table_ids = [aws_route_table.mwaa.id]
    }
  }

  tags = { project = "mwaa-platform", example = "sso-alb-complete" }
}
