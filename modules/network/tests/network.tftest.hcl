# Behaviour of the network module against a mocked AWS provider (no credentials, no network).

mock_provider "aws" {
  # The provider validates these as ARNs when they are passed on; random mock strings are not.
  source = "../_testing/mocks/aws"
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vpc-flow-logs/net-test"
    }
  }
}

variables {
  name = "net-test"
}

run "two_azs_endpoint_only_by_default" {
  command = plan

  assert {
    condition     = aws_vpc.this[0].cidr_block == "10.0.0.0/16" && aws_vpc.this[0].enable_dns_hostnames && aws_vpc.this[0].enable_dns_support
    error_message = "The VPC must use vpc_cidr and enable DNS support and hostnames (private DNS on endpoints needs both)."
  }

  assert {
    condition     = length(aws_subnet.private) == 2 && aws_subnet.private["us-east-1a"].cidr_block == "10.0.0.0/19" && aws_subnet.private["us-east-1b"].cidr_block == "10.0.32.0/19"
    error_message = "Expected two private /19 subnets in the first two AZs, got ${jsonencode({ for k, s in aws_subnet.private : k => s.cidr_block })}."
  }

  assert {
    condition     = length(aws_subnet.public) == 0 && length(aws_internet_gateway.this) == 0 && length(aws_nat_gateway.this) == 0 && length(aws_route.private_nat) == 0
    error_message = "Endpoint-only mode must create no public subnet, internet gateway, NAT gateway or default route."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 11 && length(aws_vpc_endpoint.gateway) == 1 && aws_vpc_endpoint.gateway["s3"].vpc_endpoint_type == "Gateway"
    error_message = "By default all 11 interface endpoints and the S3 gateway endpoint must be created."
  }

  assert {
    condition     = aws_vpc_endpoint.interface["airflow.api"].service_name == "com.amazonaws.us-east-1.airflow.api" && aws_vpc_endpoint.interface["airflow.env"].service_name == "com.amazonaws.us-east-1.airflow.env" && aws_vpc_endpoint.interface["airflow.ops"].service_name == "com.amazonaws.us-east-1.airflow.ops"
    error_message = "MWAA endpoint service names must be com.amazonaws.<region>.airflow.api/env/ops."
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface"])
    error_message = "Every interface endpoint must have private DNS enabled."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https[0].to_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https[0].cidr_ipv4 == "10.0.0.0/16"
    error_message = "The endpoint security group must allow exactly TCP 443 from the VPC CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.mwaa_self[0].ip_protocol == "-1" && aws_vpc_security_group_egress_rule.mwaa_all[0].ip_protocol == "-1" && aws_vpc_security_group_egress_rule.mwaa_all[0].cidr_ipv4 == "0.0.0.0/0"
    error_message = "The MWAA security group must allow all traffic from itself and all egress."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs[0].name == "/aws/vpc-flow-logs/net-test" && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 365
    error_message = "Flow logs must go to /aws/vpc-flow-logs/<name> with the default 365-day retention."
  }

  assert {
    condition     = module.flow_logs_kms.rotation_enabled && module.flow_logs_kms.deletion_window_in_days == 30
    error_message = "The flow-log KMS key must rotate and use the configured deletion window."
  }

  assert {
    condition     = jsondecode(module.flow_logs_kms.policy).Statement[1].Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vpc-flow-logs/net-test" && jsondecode(module.flow_logs_kms.policy).Statement[1].Principal.Service == "logs.us-east-1.amazonaws.com"
    error_message = "The KMS key policy must let the regional logs service use the key for the flow-log group only."
  }

  assert {
    condition     = !strcontains(module.flow_logs_kms.policy, "\"kms:*\"") && !strcontains(module.flow_logs_kms.policy, "\"Action\":\"*\"")
    error_message = "The KMS key policy must not grant kms:* or *."
  }

  assert {
    condition     = jsondecode(aws_iam_role.flow_logs[0].assume_role_policy).Statement[0].Principal.Service == "vpc-flow-logs.amazonaws.com" && jsondecode(aws_iam_role.flow_logs[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "The flow-log role must trust only vpc-flow-logs.amazonaws.com from this account."
  }

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].log_destination_type == "cloud-watch-logs" && aws_flow_log.this[0].max_aggregation_interval == 600
    error_message = "The flow log must capture ALL traffic to CloudWatch Logs with the default 600 s aggregation."
  }
}

run "three_azs_with_nat_per_az" {
  command = plan

  variables {
    az_count       = 3
    public_subnets = true
    egress_mode    = "nat"
    vpc_cidr       = "10.8.0.0/20"
  }

  assert {
    condition     = length(aws_subnet.private) == 3 && aws_subnet.private["us-east-1c"].cidr_block == "10.8.4.0/23"
    error_message = "Expected three private /23 subnets; the third in slot 2 (10.8.4.0/23)."
  }

  assert {
    condition     = length(aws_subnet.public) == 3 && aws_subnet.public["us-east-1a"].cidr_block == "10.8.6.0/23" && aws_subnet.public["us-east-1c"].cidr_block == "10.8.10.0/23"
    error_message = "Public subnets must take slots 3-5 (10.8.6.0/23 .. 10.8.10.0/23), got ${jsonencode({ for k, s in aws_subnet.public : k => s.cidr_block })}."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : !s.map_public_ip_on_launch])
    error_message = "Public subnets must not hand out public IPs automatically."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_eip.nat) == 3 && length(aws_route.private_nat) == 3 && length(aws_internet_gateway.this) == 1
    error_message = "NAT mode without single_nat_gateway needs one NAT gateway, EIP and default route per AZ, and one internet gateway."
  }

  assert {
    condition     = aws_route.public_internet[0].destination_cidr_block == "0.0.0.0/0" && length(aws_route_table_association.public) == 3
    error_message = "The public route table must route 0.0.0.0/0 to the internet gateway and be associated with every public subnet."
  }
}

run "single_nat_gateway_is_shared" {
  variables {
    public_subnets     = true
    egress_mode        = "nat"
    single_nat_gateway = true
    az_count           = 3
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && keys(aws_nat_gateway.this) == ["us-east-1a"]
    error_message = "single_nat_gateway must create exactly one NAT gateway, in the first AZ."
  }

  assert {
    condition     = alltrue([for r in aws_route.private_nat : r.nat_gateway_id == aws_nat_gateway.this["us-east-1a"].id]) && length(aws_route.private_nat) == 3
    error_message = "Every private route table must send 0.0.0.0/0 to the single NAT gateway."
  }

  assert {
    condition     = length(output.nat_gateway_ids) == 1 && length(output.public_subnet_ids) == 3
    error_message = "Outputs must list the one NAT gateway and the three public subnets."
  }
}

run "apply_outputs_and_endpoint_policies" {
  variables {
    endpoint_trusted_account_ids     = ["444455556666"]
    endpoint_trusted_organization_id = "o-abcdef1234"
  }

  assert {
    condition     = output.vpc_id == aws_vpc.this[0].id && output.vpc_cidr == "10.0.0.0/16" && output.security_group_id == aws_security_group.mwaa[0].id
    error_message = "vpc_id, vpc_cidr and security_group_id outputs must describe the created resources."
  }

  assert {
    condition     = output.private_subnet_ids == [aws_subnet.private["us-east-1a"].id, aws_subnet.private["us-east-1b"].id] && output.public_subnet_ids == null
    error_message = "private_subnet_ids must follow AZ order; public_subnet_ids must be null without public subnets."
  }

  assert {
    condition     = toset(keys(output.endpoint_ids)) == toset(["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager", "airflow.api", "airflow.env", "airflow.ops"]) && output.endpoint_ids["sqs"] == aws_vpc_endpoint.interface["sqs"].id
    error_message = "endpoint_ids must map every endpoint name to its ID."
  }

  assert {
    condition     = output.flow_log_group_arn == aws_cloudwatch_log_group.flow_logs[0].arn && output.kms_key_arn == module.flow_logs_kms.arn && output.nat_gateway_ids == null
    error_message = "flow_log_group_arn and kms_key_arn must be set; nat_gateway_ids must be null in endpoint-only mode."
  }

  assert {
    condition     = output.private_route_table_ids == [aws_route_table.private["us-east-1a"].id, aws_route_table.private["us-east-1b"].id] && output.public_route_table_id == null
    error_message = "Route table outputs must list the private tables in AZ order and null for the absent public table."
  }

  assert {
    condition     = jsondecode(aws_vpc_endpoint.interface["sqs"].policy).Statement[0].Condition.StringEquals["aws:PrincipalAccount"] == ["111122223333", "444455556666"]
    error_message = "Endpoint policies must allow the owning account and the extra trusted accounts by aws:PrincipalAccount."
  }

  assert {
    condition     = jsondecode(aws_vpc_endpoint.interface["sqs"].policy).Statement[1].Condition.StringEquals["aws:PrincipalOrgID"] == "o-abcdef1234"
    error_message = "With endpoint_trusted_organization_id the policies must also allow that organization."
  }

  assert {
    condition     = length(jsondecode(aws_vpc_endpoint.interface["sqs"].policy).Statement) == 3
    error_message = "SQS gets only the identity perimeter (accounts, organization, AWS services)."
  }

  assert {
    condition     = [for s in jsondecode(aws_vpc_endpoint.interface["ecr.dkr"].policy).Statement : s.Condition.StringEquals["aws:SourceVpc"] if s.Sid == "AllowImagePullsFromThisVpc"] == [aws_vpc.this[0].id]
    error_message = "ECR endpoints must allow image pulls by service credentials only from this VPC (aws:SourceVpc)."
  }

  assert {
    condition     = [for s in jsondecode(aws_vpc_endpoint.interface["airflow.ops"].policy).Statement : s.Action if s.Sid == "AllowMwaaHealthMetricsFromThisVpc"] == [["airflow:PublishMetrics"]]
    error_message = "airflow.ops must allow only airflow:PublishMetrics beyond the identity perimeter."
  }

  assert {
    condition     = contains(flatten([for s in jsondecode(aws_vpc_endpoint.gateway["s3"].policy).Statement : try(s.Resource, [])]), "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*")
    error_message = "The S3 gateway endpoint must allow reads of the regional ECR layer bucket."
  }

  assert {
    condition     = toset(aws_vpc_endpoint.gateway["s3"].route_table_ids) == toset([for rt in aws_route_table.private : rt.id])
    error_message = "The S3 gateway endpoint must be attached to every private route table."
  }

  assert {
    condition     = length(aws_default_security_group.this[0].ingress) == 0 && length(aws_default_security_group.this[0].egress) == 0
    error_message = "The default security group must be stripped of all rules."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.flow_logs[0].policy).Statement[0].Resource == [aws_cloudwatch_log_group.flow_logs[0].arn, "${aws_cloudwatch_log_group.flow_logs[0].arn}:log-stream:*"]
    error_message = "The flow-log role may write only to its own log group."
  }
}

run "explicit_azs_and_smaller_endpoint_set" {
  command = plan

  variables {
    azs            = ["us-east-1d", "us-east-1b", "us-east-1a"]
    public_subnets = true
    egress_mode    = "nat"
    vpc_endpoints  = ["s3"]
  }

  assert {
    condition     = toset(keys(aws_subnet.private)) == toset(["us-east-1d", "us-east-1b"]) && aws_subnet.private["us-east-1d"].cidr_block == "10.0.0.0/19"
    error_message = "The first az_count entries of azs must be used, in order."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_security_group.endpoints) == 0 && length(aws_vpc_endpoint.gateway) == 1
    error_message = "With only s3 listed there must be no interface endpoint and no endpoint security group."
  }
}

run "endpoint_policy_override" {
  command = plan

  variables {
    endpoint_policy_overrides = {
      kms = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}"
    }
  }

  assert {
    condition     = jsondecode(aws_vpc_endpoint.interface["kms"].policy).Statement[0].Action == "kms:Decrypt" && length(jsondecode(aws_vpc_endpoint.interface["logs"].policy).Statement) == 2
    error_message = "An override must replace only the named endpoint's policy."
  }
}

run "flow_logs_disabled" {
  variables {
    flow_logs = {
      enabled = false
    }
  }

  assert {
    condition     = length(aws_flow_log.this) == 0 && module.flow_logs_kms.alias_name == null && length(aws_cloudwatch_log_group.flow_logs) == 0 && length(aws_iam_role.flow_logs) == 0
    error_message = "With flow logs disabled no flow log, key, log group or role may be created."
  }

  assert {
    condition     = output.flow_log_group_arn == null && output.kms_key_arn == null && output.flow_log_id == null && output.vpc_id != null
    error_message = "Flow-log outputs must be null when flow logs are disabled, while the VPC still exists."
  }
}

run "create_false_creates_nothing" {
  variables {
    create         = false
    public_subnets = true
    egress_mode    = "nat"
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.private) == 0 && length(aws_subnet.public) == 0 && length(aws_vpc_endpoint.interface) == 0 && length(aws_vpc_endpoint.gateway) == 0 && length(aws_nat_gateway.this) == 0 && module.flow_logs_kms.alias_name == null && length(aws_flow_log.this) == 0 && length(aws_security_group.mwaa) == 0
    error_message = "create = false must create nothing."
  }

  assert {
    condition = alltrue([
      output.vpc_id == null, output.vpc_arn == null, output.vpc_cidr == null, output.availability_zones == null,
      output.private_subnet_ids == null, output.private_subnet_arns == null, output.private_subnet_cidrs == null,
      output.public_subnet_ids == null, output.security_group_id == null, output.endpoint_security_group_id == null,
      output.endpoint_ids == null, output.private_route_table_ids == null, output.public_route_table_id == null,
      output.nat_gateway_ids == null, output.nat_public_ips == null, output.flow_log_id == null,
      output.flow_log_group_arn == null, output.kms_key_arn == null,
    ])
    error_message = "Every output must be null when create = false."
  }
}

run "sqs_policy_handed_to_the_endpoint_automation" {
  command = plan

  variables {
    name                                 = "shared-policy"
    externally_managed_endpoint_policies = ["sqs"]
  }

  assert {
    condition     = !contains(keys(aws_vpc_endpoint.interface), "sqs") && contains(keys(aws_vpc_endpoint.interface_shared_policy), "sqs")
    error_message = "the sqs endpoint must move to the policy-ignoring resource and nothing else"
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface_shared_policy) == 1 && length(aws_vpc_endpoint.interface) == 10
    error_message = "exactly one endpoint hands its policy over"
  }
}
