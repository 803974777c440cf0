# modules/_lambda against a mocked provider: the house defaults, the role it writes, the optional parts.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:111122223333:unit-dlq" }
  }
}

variables {
  name = "unit"
  functions = {
    a = { name = "unit-a", description = "first", handler = "pkg.a.handler" }
    b = { name = "unit-b", description = "second", handler = "pkg.b.handler", timeout = 300 }
  }
  filename    = "tests/fixtures/handler.zip"
  kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
  role        = { description = "unit test role" }
}

run "house_defaults_in_one_place" {
  command = apply

  assert {
    condition     = alltrue([for f in values(aws_lambda_function.this) : f.runtime == "python3.11" && f.memory_size == 256 && one(f.architectures) == "x86_64" && f.tracing_config[0].mode == "Active"])
    error_message = "runtime, memory, architecture and tracing must come from the module's defaults"
  }
  assert {
    condition     = aws_lambda_function.this["a"].timeout == 60 && aws_lambda_function.this["b"].timeout == 300
    error_message = "a function's own timeout wins over the default"
  }
  assert {
    condition     = alltrue([for f in values(aws_lambda_function.this) : f.role == aws_iam_role.this[0].arn && f.logging_config[0].log_group == "/aws/lambda/unit" && f.kms_key_arn == var.kms_key_arn])
    error_message = "all functions share the role, the log group and the key"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this[0].kms_key_id == var.kms_key_arn && aws_cloudwatch_log_group.this[0].retention_in_days == 365
    error_message = "the log group must be encrypted and kept 365 days by default"
  }
  assert {
    condition     = jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com" && jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "the role trusts Lambda of this account only"
  }
  assert {
    condition     = toset([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid]) == toset(["WriteOwnLogs", "DecryptTheEnvironment", "XRayTraces"])
    error_message = "without a queue or a VPC the role may only log, decrypt its environment and trace"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "WriteOwnLogs"][0] == ["arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/unit:*"]
    error_message = "logs only on the function's own log group"
  }
  assert {
    condition     = length(aws_sqs_queue.dlq) == 0 && length(aws_lambda_function_event_invoke_config.this) == 0 && length(aws_lambda_function.this["a"].dead_letter_config) == 0
    error_message = "no queue and no invoke config unless asked for"
  }
}

run "queue_invoke_config_vpc_and_caller_statements" {
  command = apply

  variables {
    dead_letter  = { create = true }
    async_invoke = { maximum_retry_attempts = 1, maximum_event_age_in_seconds = 600 }
    vpc_config   = { subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"], security_group_ids = ["sg-0bbbbbbbbbbbbbbbb"] }
    policy_statements = [{
      sid        = "ReadOneTable"
      actions    = ["dynamodb:GetItem"]
      resources  = ["arn:aws:dynamodb:us-east-1:111122223333:table/t"]
      conditions = { StringEquals = { "aws:ResourceAccount" = ["111122223333"] } }
    }]
  }

  assert {
    condition     = aws_sqs_queue.dlq[0].name == "unit-dlq" && aws_sqs_queue.dlq[0].kms_master_key_id == var.kms_key_arn && aws_lambda_function.this["a"].dead_letter_config[0].target_arn == aws_sqs_queue.dlq[0].arn
    error_message = "the created queue is encrypted and attached"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this["b"].maximum_retry_attempts == 1 && aws_lambda_function_event_invoke_config.this["b"].maximum_event_age_in_seconds == 600
    error_message = "async invoke settings per function"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.this[0].policy).Statement[0] == { Sid = "ReadOneTable", Effect = "Allow", Action = ["dynamodb:GetItem"], Resource = ["arn:aws:dynamodb:us-east-1:111122223333:table/t"], Condition = { StringEquals = { "aws:ResourceAccount" = ["111122223333"] } } }
    error_message = "the caller's statements come first, as given"
  }
  assert {
    condition = toset([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "CreateNetworkInterfacesInGivenSubnets"][0]) == toset([
      "arn:aws:ec2:us-east-1:111122223333:network-interface/*",
      "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0aaaaaaaaaaaaaaaa",
      "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0bbbbbbbbbbbbbbbb",
    ])
    error_message = "ENIs only in the given subnets and security groups"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : alltrue([for a in s.Action : startswith(a, "ec2:Describe") || startswith(a, "xray:Put")]) if contains(s.Resource, "*")])
    error_message = "only EC2 Describe and X-Ray writes (no resource-level permissions) may use *"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s if s.Sid == "FailedAsyncInvocationsToTheDlq" && s.Resource == ["arn:aws:sqs:us-east-1:111122223333:unit-dlq"]]) == 1
    error_message = "the role may send to its own queue"
  }
}

run "disabled_creates_nothing" {
  command = plan

  variables {
    create      = false
    filename    = null
    kms_key_arn = null
  }

  assert {
    condition     = length(aws_lambda_function.this) == 0 && length(aws_iam_role.this) == 0 && length(aws_cloudwatch_log_group.this) == 0 && output.functions == null && output.role_arn == null && output.log_group_arn == null && output.dlq_arn == null
    error_message = "create = false must create nothing and leave the outputs null"
  }
}

run "queue_created_or_given_not_both" {
  command = plan

  variables {
    dead_letter = { create = true, target_arn = "arn:aws:sqs:us-east-1:111122223333:other" }
  }

  expect_failures = [var.dead_letter]
}

run "unsupported_runtime" {
  command = plan

  variables {
    runtime = "python3.9"
  }

  expect_failures = [var.runtime]
}

# The checks the wrapping modules (dag-invokers, endpoint-automation, sso-alb, dr-failover) rely on: their
# Lambda settings arrive here, and these fail at plan for every caller (each variable below must fail).
run "bad_settings_are_refused" {
  command = plan

  variables {
    reserved_concurrency  = 0
    memory_size           = 64
    tracing_mode          = "Off"
    log_retention_in_days = 100
    dead_letter           = { create = true, message_retention_seconds = 1209601 }
    vpc_config            = { subnet_ids = [], security_group_ids = ["sg-0123456789abcdef0"] }
  }

  expect_failures = [var.reserved_concurrency, var.memory_size, var.tracing_mode, var.log_retention_in_days, var.dead_letter, var.vpc_config]
}
