# Handler mode: rule -> Lambda with DLQ and retries, least-privilege role, owner-side bus for participants.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  lambda_zip_path = "tests/fixtures/endpoints.zip"
}

run "single_account_handler" {
  command = apply

  assert {
    condition     = module.lambda.functions["handler"].handler == "mwaa_platform.endpoints.handler.handler" && module.lambda.functions["handler"].runtime == "python3.11"
    error_message = "handler or runtime wrong"
  }
  assert {
    condition     = module.lambda.functions["handler"].source_code_hash == filebase64sha256("tests/fixtures/endpoints.zip")
    error_message = "the function must be redeployed when the zip changes"
  }
  assert {
    condition     = module.lambda.functions["handler"].environment[0].variables["ALLOWED_ACCOUNT_IDS"] == "111122223333" && module.lambda.functions["handler"].environment[0].variables["ALLOWED_VPC_IDS"] == ""
    error_message = "a single-account handler accepts only its own account's events"
  }
  assert {
    condition     = module.lambda.functions["handler"].reserved_concurrent_executions == 1 && module.lambda.functions["handler"].kms_key_arn == module.kms.arn && module.lambda.functions["handler"].dead_letter_config[0].target_arn == aws_sqs_queue.dlq[0].arn
    error_message = "concurrency, environment encryption or function DLQ wrong"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.own[0].event_pattern) == { source = ["aws.airflow"], "detail-type" = ["MWAA Environment Status Change"], detail = { status = ["PENDING", "DELETED"] } }
    error_message = "the rule must match MWAA status changes to PENDING and DELETED"
  }
  assert {
    condition     = aws_cloudwatch_event_target.handler["own"].arn == module.lambda.functions["handler"].arn && aws_cloudwatch_event_target.handler["own"].dead_letter_config[0].arn == aws_sqs_queue.dlq[0].arn && aws_cloudwatch_event_target.handler["own"].retry_policy[0].maximum_retry_attempts == 8
    error_message = "the target needs the function, the DLQ and the retry policy"
  }
  assert {
    condition     = aws_lambda_permission.events["own"].principal == "events.amazonaws.com" && aws_lambda_permission.events["own"].source_arn == aws_cloudwatch_event_rule.own[0].arn
    error_message = "only our rule may invoke the function"
  }
  assert {
    condition     = module.lambda.event_invoke_configs["handler"].maximum_retry_attempts == 2
    error_message = "failed runs are retried by Lambda before reaching the DLQ"
  }
  assert {
    condition     = aws_sqs_queue.dlq[0].kms_master_key_id == module.kms.arn && module.lambda.log_group_kms_key_id == module.kms.arn && module.lambda.log_group_retention_in_days == 365
    error_message = "queue and logs must be encrypted; logs retained"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.dlq[0].policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == [aws_cloudwatch_event_rule.own[0].arn]
    error_message = "only our rules may send to the DLQ"
  }
  assert {
    condition     = length(aws_cloudwatch_event_bus.forwarded) == 0 && output.forwarded_event_bus_arn == null
    error_message = "no participant bus without participants"
  }
  assert {
    condition     = jsondecode(module.lambda.role_trust_policy).Statement[0].Principal.Service == "lambda.amazonaws.com" && jsondecode(module.lambda.role_trust_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "the function role must trust only Lambda in this account"
  }
}

run "role_is_least_privilege" {
  command = apply

  assert {
    condition     = alltrue([for s in jsondecode(module.lambda.role_policy).Statement : alltrue([for a in s.Action : a != "*" && !endswith(a, ":*")])])
    error_message = "no statement may grant * or <service>:*"
  }
  assert {
    condition     = toset(flatten([for s in jsondecode(module.lambda.role_policy).Statement : s.Action if s.Resource == ["*"]])) == toset(["ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints", "xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "only actions without resource-level permissions may be granted on *"
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Condition if s.Sid == "CreateTaggedEndpointsToMwaaServices"][0] == { StringEquals = { "aws:RequestTag/mwaa-platform:managed-by" = ["endpoint-automation"] }, StringLike = { "ec2:VpceServiceName" = ["com.amazonaws.vpce.us-east-1.vpce-svc-*"] } }
    error_message = "endpoints may only be created tagged, and only to endpoint services (MWAA's)"
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Condition if s.Sid == "DeleteOnlyOwnEndpoints"][0] == { StringEquals = { "aws:ResourceTag/mwaa-platform:managed-by" = ["endpoint-automation"] } }
    error_message = "only tagged endpoints may be deleted"
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Condition if s.Sid == "EditSqsEndpointPolicies"][0] == { StringEquals = { "ec2:VpceServiceName" = ["com.amazonaws.us-east-1.sqs", "com.amazonaws.us-east-1.sqs-fips"] } }
    error_message = "only SQS endpoints may be modified"
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Condition if s.Sid == "TagOnlyWhileCreatingEndpoints"][0] == { StringEquals = { "ec2:CreateAction" = ["CreateVpcEndpoint"] } }
    error_message = "tags may only be set while creating endpoints"
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Resource if s.Sid == "CreateEndpointsInAllowedVpcs"][0] == ["arn:aws:ec2:us-east-1:111122223333:vpc/*"]
    error_message = "without allowed_vpc_ids any VPC of this account and region"
  }
}

run "allowed_vpcs_fence_the_role_and_the_handler" {
  command = apply
  variables {
    allowed_vpc_ids = ["vpc-0123456789abcdef0"]
    lambda          = { tracing_mode = "PassThrough" }
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Resource if s.Sid == "CreateEndpointsInAllowedVpcs"][0] == ["arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0123456789abcdef0"]
    error_message = "endpoint creation must be limited to the allowed VPC"
  }
  assert {
    condition     = [for s in jsondecode(module.lambda.role_policy).Statement : s.Condition if s.Sid == "UseSubnetsAndGroupsOfAllowedVpcs"][0] == { ArnEquals = { "ec2:Vpc" = ["arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0123456789abcdef0"] } }
    error_message = "subnets and groups must belong to the allowed VPC"
  }
  assert {
    condition     = module.lambda.functions["handler"].environment[0].variables["ALLOWED_VPC_IDS"] == "vpc-0123456789abcdef0"
    error_message = "the handler must know the allowed VPCs"
  }
  assert {
    condition     = length([for s in jsondecode(module.lambda.role_policy).Statement : s if s.Sid == "XRayTraces"]) == 0
    error_message = "no X-Ray permissions without active tracing"
  }
}

run "owner_of_a_shared_vpc_accepts_participants" {
  command = apply
  variables {
    participant_account_ids = ["444455556666", "777788889999"]
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_bus_policy.forwarded[0].policy).Statement[0].Principal.AWS == ["arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:root"]
    error_message = "the bus must accept exactly the participant accounts"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_bus_policy.forwarded[0].policy).Statement[0].Condition.StringEquals == { "events:source" = "aws.airflow", "events:detail-type" = "MWAA Environment Status Change" }
    error_message = "participants may put only MWAA status events"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.forwarded[0].event_pattern).account == ["444455556666", "777788889999"] && aws_cloudwatch_event_rule.forwarded[0].event_bus_name == aws_cloudwatch_event_bus.forwarded[0].name
    error_message = "the forwarded rule must match the participants' events on the forwarded bus"
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_event_target.handler)) == toset(["own", "forwarded"]) && toset(keys(aws_lambda_permission.events)) == toset(["own", "forwarded"])
    error_message = "both rules must reach the function"
  }
  assert {
    condition     = module.lambda.functions["handler"].environment[0].variables["ALLOWED_ACCOUNT_IDS"] == "111122223333,444455556666,777788889999"
    error_message = "the handler must accept the participants' events"
  }
  assert {
    condition     = output.forwarded_event_bus_arn == aws_cloudwatch_event_bus.forwarded[0].arn
    error_message = "the owner must output the bus for the participants"
  }
}

run "python_3_12_runtime" {
  command = plan
  variables {
    lambda = { runtime = "python3.12" }
  }
  assert {
    condition     = module.lambda.functions["handler"].runtime == "python3.12"
    error_message = "runtime not passed through"
  }
}

run "vpc_attachment_adds_eni_permissions" {
  command = apply
  variables {
    lambda = { vpc_config = { subnet_ids = ["subnet-0123456789abcdef0"], security_group_ids = ["sg-0123456789abcdef0"] } }
  }
  assert {
    condition     = module.lambda.functions["handler"].vpc_config[0].subnet_ids == toset(["subnet-0123456789abcdef0"]) && length([for s in jsondecode(module.lambda.role_policy).Statement : s if s.Sid == "CreateNetworkInterfacesInGivenSubnets"]) == 1
    error_message = "a VPC-attached function needs its subnets and ENI permissions"
  }
}
