# create = false: nothing is planned and every output is null, even without a zip.

mock_provider "aws" {}

run "nothing_is_created" {
  command = apply
  variables {
    create = false
  }
  assert {
    condition     = module.lambda.functions == null && length(aws_sqs_queue.dlq) == 0 && module.kms.alias_name == null && length(aws_cloudwatch_event_rule.own) == 0 && length(aws_cloudwatch_event_rule.forward) == 0
    error_message = "resources were created with create = false"
  }
  assert {
    condition = alltrue([for o in [
      output.function_arn, output.function_name, output.role_arn, output.event_pattern, output.forwarded_event_bus_arn,
      output.forwarder_role_arn, output.dlq_arn, output.dlq_url, output.log_group_name, output.kms_key_arn,
    ] : o == null]) && output.rule_arns == null
    error_message = "every output must be null with create = false"
  }
}
