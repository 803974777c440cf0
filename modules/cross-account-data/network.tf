################################################################################
# Account B: VPC peering MWAA <-> Redshift, routes both ways
################################################################################

resource "aws_vpc_peering_connection" "mwaa_redshift" {
  count    = local.create && var.network.create_peering ? 1 : 0
  provider = aws.consumer

  vpc_id      = var.network.mwaa_vpc.id
  peer_vpc_id = var.network.redshift_vpc.id
  auto_accept = true
  tags        = merge(local.tags, { Name = "${var.name}-mwaa-redshift" })
}

resource "aws_route" "mwaa_to_redshift" {
  count    = local.create && var.network.create_peering ? length(var.network.mwaa_vpc.route_table_ids) : 0
  provider = aws.consumer

  route_table_id            = var.network.mwaa_vpc.route_table_ids[count.index]
  destination_cidr_block    = var.network.redshift_vpc.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.mwaa_redshift[0].id
}

resource "aws_route" "redshift_to_mwaa" {
  count    = local.create && var.network.create_peering ? length(var.network.redshift_vpc.route_table_ids) : 0
  provider = aws.consumer

  route_table_id            = var.network.redshift_vpc.route_table_ids[count.index]
  destination_cidr_block    = var.network.mwaa_vpc.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.mwaa_redshift[0].id
}

resource "aws_vpc_security_group_egress_rule" "mwaa_to_redshift" {
  count    = local.create && var.consumer.add_mwaa_egress_rule ? 1 : 0
  provider = aws.consumer

  security_group_id = var.consumer.mwaa_security_group_id
  description       = "${var.name}: Airflow SQL to Redshift Serverless over the peering"
  ip_protocol       = "tcp"
  from_port         = var.redshift.port
  to_port           = var.redshift.port
  cidr_ipv4         = var.network.redshift_vpc.cidr_block
  tags              = local.tags
}

################################################################################
# Account B: VPC endpoints (S3 gateway in the Redshift VPC, Secrets Manager in the MWAA VPC)
################################################################################

resource "aws_vpc_endpoint" "s3" {
  count    = local.create && var.network.create_s3_gateway_endpoint ? 1 : 0
  provider = aws.consumer

  vpc_id            = var.network.redshift_vpc.id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.network.redshift_vpc.route_table_ids
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Redshift COPY (RoleB, account B) from staging and UNLOAD (RoleA, account A) to output, nothing else.
        Sid       = "PipelineBucketsOnly"
        Effect    = "Allow"
        Principal = "*"
        Action    = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucket", "s3:GetBucketLocation"]
        Resource = [
          local.staging_bucket_arn, "${local.staging_bucket_arn}/*",
          local.output_bucket_arn, "${local.output_bucket_arn}/*",
        ]
        Condition = { StringEquals = { "aws:PrincipalAccount" = distinct([local.consumer_account, local.producer_account]) } }
      },
    ]
  })
  tags = merge(local.tags, { Name = "${var.name}-s3" })
}

resource "aws_security_group" "secretsmanager_endpoint" {
  for_each = { for k in ["secretsmanager"] : k => k if local.create && var.network.create_secretsmanager_endpoint }
  provider = aws.consumer

  name_prefix = "${var.name}-secretsmanager-"
  description = "${var.name}: HTTPS to the Secrets Manager endpoint from the MWAA VPC"
  vpc_id      = var.network.mwaa_vpc.id
  tags        = merge(local.tags, { Name = "${var.name}-secretsmanager-endpoint" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "secretsmanager_endpoint" {
  for_each = aws_security_group.secretsmanager_endpoint
  provider = aws.consumer

  security_group_id = each.value.id
  description       = "HTTPS from the MWAA VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.network.mwaa_vpc.cidr_block
  tags              = local.tags
}

resource "aws_vpc_endpoint" "secretsmanager" {
  for_each = aws_security_group.secretsmanager_endpoint
  provider = aws.consumer

  vpc_id              = var.network.mwaa_vpc.id
  service_name        = "com.amazonaws.${local.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.network.mwaa_vpc.subnet_ids
  security_group_ids  = [each.value.id]
  private_dns_enabled = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AirflowSecretsOfThisAccount"
        Effect    = "Allow"
        Principal = "*"
        Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource  = local.airflow_secret_arns
        Condition = { StringEquals = { "aws:PrincipalAccount" = local.consumer_account } }
      },
    ]
  })
  tags = merge(local.tags, { Name = "${var.name}-secretsmanager" })
}
