################################################################################
# Context
################################################################################

module "context" {
  source = "../_aws_context"
  create = var.create
}

data "aws_availability_zones" "available" {
  count = var.create && length(var.azs) == 0 ? 1 : 0
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  partition  = module.context.partition
  region     = module.context.region
  account_id = module.context.account_id

  azs = var.create ? slice(length(var.azs) > 0 ? var.azs : data.aws_availability_zones.available[0].names, 0, var.az_count) : []

  # Slots 0-2 are private, 3-5 public: adding a third AZ later never renumbers an existing subnet.
  private_subnets = { for i, az in local.azs : az => cidrsubnet(var.vpc_cidr, var.subnet_newbits, i) }
  public_subnets  = var.public_subnets ? { for i, az in local.azs : az => cidrsubnet(var.vpc_cidr, var.subnet_newbits, i + 3) } : {}

  nat_enabled  = var.create && var.egress_mode == "nat"
  nat_gateways = local.nat_enabled ? (var.single_nat_gateway ? toset([local.azs[0]]) : toset(local.azs)) : toset([])

  flow_logs_enabled   = var.create && var.flow_logs.enabled
  flow_log_group_name = "/aws/vpc-flow-logs/${var.name}"

  tags = merge(var.tags, { "mwaa-platform:module" = "network" })
}

################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:aws_flow_log.this logs this VPC unless the caller sets flow_logs.enabled = false, a choice documented in the README (Security choices); checkov 3.2 cannot follow count-indexed references such as aws_vpc.this[0].id.
  #checkov:skip=CKV2_AWS_12:aws_default_security_group.this strips every rule of the default group whenever the VPC exists (same count); checkov 3.2 cannot follow count-indexed references.
  count = var.create ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # interface endpoints with private DNS need both

  tags = merge(local.tags, { Name = var.name })
}

# Nothing may use the default security group: strip all of its rules.
resource "aws_default_security_group" "this" {
  count = var.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-default-deny" })
}

################################################################################
# Subnets
################################################################################

resource "aws_subnet" "private" {
  for_each = local.private_subnets

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = each.key
  cidr_block              = each.value
  map_public_ip_on_launch = false

  tags = merge(local.tags, { Name = "${var.name}-private-${each.key}", "mwaa-platform:tier" = "private" })
}

resource "aws_subnet" "public" {
  for_each = local.public_subnets

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = each.key
  cidr_block              = each.value
  map_public_ip_on_launch = false # nothing here should get a public IP by accident

  tags = merge(local.tags, { Name = "${var.name}-public-${each.key}", "mwaa-platform:tier" = "public" })
}

################################################################################
# Internet and NAT gateways
################################################################################

resource "aws_internet_gateway" "this" {
  count = var.create && var.public_subnets ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = var.name })
}

resource "aws_eip" "nat" {
  for_each = local.nat_gateways

  domain = "vpc"

  tags = merge(local.tags, { Name = "${var.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = local.nat_gateways

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = merge(local.tags, { Name = "${var.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

################################################################################
# Route tables
################################################################################

resource "aws_route_table" "public" {
  count = var.create && var.public_subnets ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  count = var.create && var.public_subnets ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public[0].id
}

# One private route table per AZ so that each AZ can use its own NAT gateway.
resource "aws_route_table" "private" {
  for_each = local.private_subnets

  vpc_id = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.nat_enabled ? local.private_subnets : {}

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? local.azs[0] : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[each.key].id
}

################################################################################
# Security group for MWAA (self-referencing)
################################################################################

resource "aws_security_group" "mwaa" {
  #checkov:skip=CKV2_AWS_5:Attached by the mwaa-environment module (and by participants' environments); this module only provides it.
  count = var.create ? 1 : 0

  name        = "${var.name}-mwaa"
  description = "MWAA environment: all traffic between members, egress as MWAA requires"
  vpc_id      = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-mwaa" })
}

resource "aws_vpc_security_group_ingress_rule" "mwaa_self" {
  count = var.create ? 1 : 0

  security_group_id            = aws_security_group.mwaa[0].id
  description                  = "All traffic from members of this group (scheduler, workers, web server, metadata endpoint)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.mwaa[0].id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "mwaa_all" {
  #checkov:skip=CKV_AWS_382:MWAA documents all-outbound egress on its security group; the route tables decide where it leads: nowhere but the VPC and its endpoints with egress_mode = "endpoints", the internet through NAT with egress_mode = "nat", the caller's choice documented in the README (Security choices).
  count = var.create ? 1 : 0

  security_group_id = aws_security_group.mwaa[0].id
  description       = "All outbound traffic (MWAA requirement)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"

  tags = local.tags
}

################################################################################
# VPC endpoints
################################################################################

locals {
  service_prefix = local.partition == "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws"

  gateway_endpoints   = var.create ? toset([for e in var.vpc_endpoints : e if e == "s3"]) : toset([])
  interface_endpoints = var.create ? toset([for e in var.vpc_endpoints : e if e != "s3" && !contains(var.externally_managed_endpoint_policies, e)]) : toset([])
  # Endpoints whose policy another owner edits in place (e.g. the MWAA endpoint automation admitting a Celery
  # queue into the SQS endpoint policy): Terraform sets the initial policy and then leaves it alone.
  shared_policy_endpoints = var.create ? toset([for e in var.vpc_endpoints : e if e != "s3" && contains(var.externally_managed_endpoint_policies, e)]) : toset([])

  trusted_account_ids = distinct(concat([local.account_id], var.endpoint_trusted_account_ids))
  vpc_id              = try(aws_vpc.this[0].id, null)

  # Identity perimeter: only our principals (and AWS services acting for us) may use an endpoint, so
  # foreign credentials brought into the VPC cannot move data out through it.
  identity_statements = concat(
    [{
      Sid       = "AllowTrustedAccountPrincipals"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "*"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalAccount" = local.trusted_account_ids } }
    }],
    var.endpoint_trusted_organization_id == null ? [] : [{
      Sid       = "AllowTrustedOrganizationPrincipals"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "*"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = var.endpoint_trusted_organization_id } }
    }],
    [{
      Sid       = "AllowAWSServicePrincipals"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "*"
      Resource  = "*"
      Condition = { Bool = { "aws:PrincipalIsAWSService" = "true" } }
    }],
  )

  # MWAA's managed containers pull images and publish health metrics with service-owned credentials:
  # allow exactly those read/publish actions, and only from this VPC.
  ecr_pull_statement = {
    Sid       = "AllowImagePullsFromThisVpc"
    Effect    = "Allow"
    Principal = { AWS = "*" }
    Action    = ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    Resource  = "*"
    Condition = { StringEquals = { "aws:SourceVpc" = local.vpc_id } }
  }

  service_statements = {
    "ecr.api" = [local.ecr_pull_statement]
    "ecr.dkr" = [local.ecr_pull_statement]
    "airflow.ops" = [{
      Sid       = "AllowMwaaHealthMetricsFromThisVpc"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["airflow:PublishMetrics"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceVpc" = local.vpc_id } }
    }]
    "s3" = [{
      Sid       = "AllowEcrImageLayers"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["s3:GetObject"]
      Resource  = ["arn:${local.partition}:s3:::prod-${local.region}-starport-layer-bucket/*"]
    }]
  }

  endpoint_policies = {
    for name in setunion(local.gateway_endpoints, local.interface_endpoints, local.shared_policy_endpoints) : name => lookup(
      var.endpoint_policy_overrides,
      name,
      jsonencode({
        Version   = "2012-10-17"
        Statement = concat(local.identity_statements, lookup(local.service_statements, name, []))
      })
    )
  }
}

resource "aws_security_group" "endpoints" {
  #checkov:skip=CKV2_AWS_5:Attached to every aws_vpc_endpoint.interface; checkov 3.2 cannot follow count-indexed references such as aws_security_group.endpoints[0].id.
  count = length(local.interface_endpoints) + length(local.shared_policy_endpoints) > 0 ? 1 : 0

  name        = "${var.name}-vpc-endpoints"
  description = "Interface VPC endpoints: HTTPS from inside the VPC only"
  vpc_id      = aws_vpc.this[0].id

  tags = merge(local.tags, { Name = "${var.name}-vpc-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  count = length(local.interface_endpoints) + length(local.shared_policy_endpoints) > 0 ? 1 : 0

  security_group_id = aws_security_group.endpoints[0].id
  description       = "HTTPS from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr

  tags = local.tags
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = local.gateway_endpoints

  vpc_id            = aws_vpc.this[0].id
  service_name      = "${local.service_prefix}.${local.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat([for rt in aws_route_table.private : rt.id], aws_route_table.public[*].id)
  policy            = local.endpoint_policies[each.key]

  tags = merge(local.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  vpc_id              = aws_vpc.this[0].id
  service_name        = "${local.service_prefix}.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for s in aws_subnet.private : s.id]
  security_group_ids  = [aws_security_group.endpoints[0].id]
  policy              = local.endpoint_policies[each.key]

  tags = merge(local.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_endpoint" "interface_shared_policy" {
  for_each = local.shared_policy_endpoints

  vpc_id              = aws_vpc.this[0].id
  service_name        = "${local.service_prefix}.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for s in aws_subnet.private : s.id]
  security_group_ids  = [aws_security_group.endpoints[0].id]
  policy              = local.endpoint_policies[each.key]

  tags = merge(local.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    # the external owner's statements (e.g. MwaaCelery* for admitted queues) must survive the next apply
    ignore_changes = [policy]
  }
}

################################################################################
# Flow logs (CloudWatch Logs, KMS-encrypted)
################################################################################

module "flow_logs_kms" {
  source = "../_kms"
  create = local.flow_logs_enabled

  alias                   = "${var.name}-flow-logs"
  description             = "${var.name}: VPC flow logs"
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  admin = {
    sid = "KeyAdministrationByTheAccount"
    actions = [
      "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
      "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
      "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
    ]
  }
  logs = {
    sid            = "CloudWatchLogsForTheFlowLogGroupOnly"
    log_group_arns = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.flow_log_group_name}"
  }
  tags = merge(local.tags, { Name = "${var.name}-flow-logs" })
}

moved {
  from = aws_kms_key.flow_logs
  to   = module.flow_logs_kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.flow_logs
  to   = module.flow_logs_kms.aws_kms_alias.this
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = local.flow_logs_enabled ? 1 : 0

  name              = local.flow_log_group_name
  retention_in_days = var.flow_logs.retention_in_days
  kms_key_id        = module.flow_logs_kms.arn

  tags = local.tags
}

resource "aws_iam_role" "flow_logs" {
  count = local.flow_logs_enabled ? 1 : 0

  name        = "${var.name}-vpc-flow-logs"
  description = "Lets VPC Flow Logs write to ${local.flow_log_group_name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc-flow-log/*" }
      }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  count = local.flow_logs_enabled ? 1 : 0

  name = "write-flow-log-group"
  role = aws_iam_role.flow_logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteThisLogGroupOnly"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = [aws_cloudwatch_log_group.flow_logs[0].arn, "${aws_cloudwatch_log_group.flow_logs[0].arn}:log-stream:*"]
    }]
  })
}

resource "aws_flow_log" "this" {
  count = local.flow_logs_enabled ? 1 : 0

  vpc_id                   = aws_vpc.this[0].id
  traffic_type             = var.flow_logs.traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = var.flow_logs.max_aggregation_interval

  tags = merge(local.tags, { Name = var.name })

  depends_on = [aws_iam_role_policy.flow_logs]
}
