# The account, Region and partition from the provider, and the fallbacks of a disabled module.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

run "looked_up_from_the_provider" {
  command = plan

  assert {
    condition     = output.account_id == "111122223333" && output.region == "us-east-1" && output.partition == "aws" && output.dns_suffix == "amazonaws.com"
    error_message = "account, Region, partition and DNS suffix come from the provider's data sources."
  }
}

run "create_false_looks_nothing_up" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(data.aws_caller_identity.current) == 0 && output.account_id == "" && output.region == "" && output.partition == "aws"
    error_message = "create = false must look nothing up and fall back to an empty account and Region in partition aws."
  }
}
