# Behaviour and input validation of the shared-vpc module against a mocked AWS provider.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_resource "aws_ram_resource_share" {
    defaults = {
      arn = "arn:aws:ram:us-east-1:111122223333:resource-share/6b3f1a2e-0000-4c3e-9a7e-2f2f2f2f2f2f"
    }
  }
}

variables {
  name   = "mwaa-subnets"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
  subnet_arns = [
    "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0aaaaaaaaaaaaaaa1",
    "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0bbbbbbbbbbbbbbb2",
  ]
  principals = [
    "444455556666",
    "arn:aws:organizations::999988887777:ou/o-abcdef1234/ou-ab12-cd34ef56",
  ]
}

run "shares_subnets_with_accounts_and_ous" {
  command = plan

  assert {
    condition     = aws_ram_resource_share.this[0].name == "mwaa-subnets" && aws_ram_resource_share.this[0].allow_external_principals == false
    error_message = "The share must carry the name and keep external principals off by default."
  }

  assert {
    condition     = tolist([for k in sort(keys(aws_ram_resource_association.subnet)) : aws_ram_resource_association.subnet[k].resource_arn]) == var.subnet_arns
    error_message = "Every subnet ARN must be associated with the share, in order."
  }

  assert {
    condition     = toset([for a in aws_ram_principal_association.this : a.principal]) == toset(var.principals)
    error_message = "Every principal (account ID and OU ARN) must be associated with the share."
  }
}

run "outputs_give_the_participant_what_it_needs" {
  assert {
    condition     = output.resource_share_arn == "arn:aws:ram:us-east-1:111122223333:resource-share/6b3f1a2e-0000-4c3e-9a7e-2f2f2f2f2f2f" && tolist(output.shared_subnet_arns) == var.subnet_arns
    error_message = "resource_share_arn and shared_subnet_arns must describe the share."
  }

  assert {
    condition     = output.shared_subnet_ids == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"] && output.vpc_id == "vpc-0a1b2c3d4e5f60718"
    error_message = "shared_subnet_ids must be parsed from the ARNs and vpc_id passed through."
  }

  assert {
    condition = output.participant == {
      vpc_id                      = "vpc-0a1b2c3d4e5f60718"
      subnet_ids                  = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
      owner_account_id            = "111122223333"
      region                      = "us-east-1"
      resource_share_arn          = "arn:aws:ram:us-east-1:111122223333:resource-share/6b3f1a2e-0000-4c3e-9a7e-2f2f2f2f2f2f"
      external_principals_allowed = false
    }
    error_message = "participant must carry vpc_id, subnet_ids, owner account, region, share ARN and the external-sharing flag; got ${jsonencode(output.participant)}."
  }

  assert {
    condition     = toset(output.principals) == toset(var.principals)
    error_message = "principals output must list the associated principals."
  }
}

run "organization_and_external_sharing" {
  command = plan

  variables {
    principals                = ["arn:aws:organizations::999988887777:organization/o-abcdef1234"]
    allow_external_principals = true
    permission_arns           = ["arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"]
  }

  assert {
    condition     = aws_ram_resource_share.this[0].allow_external_principals && length(aws_ram_principal_association.this) == 1
    error_message = "An organization ARN must be accepted as the single principal, with external sharing on when asked."
  }

  assert {
    condition     = aws_ram_resource_share.this[0].permission_arns == toset(["arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"])
    error_message = "permission_arns must be passed to the share."
  }
}

run "create_false_creates_nothing" {
  variables {
    create = false
  }

  assert {
    condition     = length(aws_ram_resource_share.this) == 0 && length(aws_ram_resource_association.subnet) == 0 && length(aws_ram_principal_association.this) == 0
    error_message = "create = false must create nothing."
  }

  assert {
    condition = alltrue([
      output.resource_share_arn == null, output.resource_share_id == null, output.shared_subnet_arns == null,
      output.shared_subnet_ids == null, output.vpc_id == null, output.principals == null, output.participant == null,
    ])
    error_message = "Every output must be null when create = false."
  }
}

run "subnet_arn_malformed" {
  command = plan
  variables {
    subnet_arns = ["subnet-0aaaaaaaaaaaaaaa1", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0bbbbbbbbbbbbbbb2"]
  }
  expect_failures = [var.subnet_arns]
}

run "only_one_subnet" {
  command = plan
  variables {
    subnet_arns = ["arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0aaaaaaaaaaaaaaa1"]
  }
  expect_failures = [var.subnet_arns]
}

run "subnets_in_two_regions" {
  command = plan
  variables {
    subnet_arns = [
      "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0aaaaaaaaaaaaaaa1",
      "arn:aws:ec2:us-west-2:111122223333:subnet/subnet-0bbbbbbbbbbbbbbb2",
    ]
  }
  expect_failures = [var.subnet_arns]
}

run "principal_malformed" {
  command = plan
  variables {
    principals = ["4444-5555-6666"]
  }
  expect_failures = [var.principals]
}

run "principal_ou_arn_malformed" {
  command = plan
  variables {
    principals = ["arn:aws:organizations::999988887777:ou/ou-ab12-cd34ef56"]
  }
  expect_failures = [var.principals]
}

run "no_principals" {
  command = plan
  variables {
    principals = []
  }
  expect_failures = [var.principals]
}

run "owner_account_as_principal" {
  command = plan
  variables {
    principals = ["111122223333"]
  }
  expect_failures = [var.principals]
}

run "duplicate_principals" {
  command = plan
  variables {
    principals = ["444455556666", "444455556666"]
  }
  expect_failures = [var.principals]
}

run "vpc_id_malformed" {
  command = plan
  variables {
    vpc_id = "my-vpc"
  }
  expect_failures = [var.vpc_id]
}

run "permission_arn_malformed" {
  command = plan
  variables {
    permission_arns = ["AWSRAMDefaultPermissionSubnet"]
  }
  expect_failures = [var.permission_arns]
}

run "name_malformed" {
  command = plan
  variables {
    name = "-bad name"
  }
  expect_failures = [var.name]
}
