# modules/_kms against the shared mocked provider: the three parts of the policy, the alias, the create switch.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  alias       = "unit"
  description = "unit test key"
}

run "account_administers_and_nothing_else_by_default" {
  command = apply

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_key.this[0].deletion_window_in_days == 30 && !aws_kms_key.this[0].multi_region && output.alias_name == "alias/unit"
    error_message = "The key rotates, waits 30 days before deletion, is single-Region and has the alias alias/<alias>."
  }

  assert {
    condition = jsondecode(output.policy).Statement == [{
      Sid = "AccountAdministersThroughIam", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*"
    }]
    error_message = "Without logs or statements the policy is the account's administration only."
  }
}

run "logs_for_named_groups_services_and_caller_statements" {
  command = plan

  variables {
    admin                   = { sid = "KeyAdministration", actions = ["kms:Describe*", "kms:Put*"] }
    logs                    = { sid = "Logs", log_group_arns = ["arn:aws:logs:us-east-1:111122223333:log-group:/a"], operator = "ArnLike" }
    services                = { EventBridgeWritesDeadLetters = "events.amazonaws.com" }
    statements              = [{ Sid = "Events", Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = ["kms:Decrypt"], Resource = "*" }]
    deletion_window_in_days = 7
    multi_region            = true
  }

  assert {
    condition     = [for s in jsondecode(aws_kms_key.this[0].policy).Statement : s.Sid] == ["KeyAdministration", "Logs", "EventBridgeWritesDeadLetters", "Events"]
    error_message = "Administration, then logs, then the services, then the caller's statements."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[0].Action == ["kms:Describe*", "kms:Put*"]
    error_message = "admin.actions narrows what the account root may do."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Principal.Service == "logs.us-east-1.amazonaws.com" && jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] == ["arn:aws:logs:us-east-1:111122223333:log-group:/a"]
    error_message = "CloudWatch Logs of this Region may use the key for the named log groups only."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[2].Principal.Service == "events.amazonaws.com" && jsondecode(aws_kms_key.this[0].policy).Statement[2].Action == ["kms:Decrypt", "kms:GenerateDataKey"] && jsondecode(aws_kms_key.this[0].policy).Statement[2].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "A named service may encrypt with the key for this account's resources only."
  }

  assert {
    condition     = aws_kms_key.this[0].deletion_window_in_days == 7 && aws_kms_key.this[0].multi_region
    error_message = "deletion_window_in_days and multi_region reach the key."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0 && output.arn == null && output.key_id == null
    error_message = "create = false must plan nothing and output null."
  }
}

run "bad_inputs_are_refused" {
  command = plan

  variables {
    alias                   = "aws/reserved"
    deletion_window_in_days = 3
    logs                    = { sid = "Logs", log_group_arns = "x", operator = "StringEquals" }
    services                = { "Events-Bus" = "events" }
  }

  expect_failures = [var.alias, var.deletion_window_in_days, var.logs, var.services]
}
