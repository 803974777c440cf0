# Forwarder mode (shared VPC participant): rule + role forwarding MWAA status events to the owner's bus.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "444455556666", arn = "arn:aws:iam::444455556666:user/test", user_id = "TEST" }
  }
}

variables {
  mode                     = "forwarder"
  forward_to_event_bus_arn = "arn:aws:events:us-east-1:111122223333:event-bus/mwaa-endpoint-automation-forwarded"
}

run "participant_forwards_to_the_owner" {
  command = apply

  assert {
    condition     = module.lambda.functions == null && module.lambda.role_arn == null && output.function_arn == null
    error_message = "a forwarder runs no function"
  }
  assert {
    condition     = aws_cloudwatch_event_target.forward[0].arn == "arn:aws:events:us-east-1:111122223333:event-bus/mwaa-endpoint-automation-forwarded" && aws_cloudwatch_event_target.forward[0].role_arn == aws_iam_role.forwarder[0].arn
    error_message = "the target must be the owner's bus, put with the forwarder role"
  }
  assert {
    condition     = aws_cloudwatch_event_target.forward[0].dead_letter_config[0].arn == aws_sqs_queue.dlq[0].arn
    error_message = "undeliverable forwards must land in the DLQ"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.forwarder[0].policy).Statement[0].Action == "events:PutEvents" && jsondecode(aws_iam_role_policy.forwarder[0].policy).Statement[0].Resource == "arn:aws:events:us-east-1:111122223333:event-bus/mwaa-endpoint-automation-forwarded"
    error_message = "the forwarder may put events only on the owner's bus"
  }
  assert {
    condition     = jsondecode(aws_iam_role.forwarder[0].assume_role_policy).Statement[0].Principal.Service == "events.amazonaws.com" && jsondecode(aws_iam_role.forwarder[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "444455556666"
    error_message = "the forwarder role must trust only EventBridge in this account"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.forward[0].event_pattern).source == ["aws.airflow"]
    error_message = "only MWAA events are forwarded"
  }
  assert {
    condition     = output.rule_arns == { forward = aws_cloudwatch_event_rule.forward[0].arn } && output.forwarder_role_arn == aws_iam_role.forwarder[0].arn
    error_message = "forwarder outputs wrong"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.dlq[0].policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == [aws_cloudwatch_event_rule.forward[0].arn]
    error_message = "the DLQ must accept the forwarding rule's dead letters"
  }
}

run "forwarder_needs_no_zip" {
  command = plan
  variables {
    lambda_zip_path = null
  }
  assert {
    condition     = length(aws_cloudwatch_event_rule.forward) == 1
    error_message = "forwarder mode must plan without a zip"
  }
}
