# Malformed inputs are rejected at plan time with a message that says how to fix them.
mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  name       = "mwaa-pods"
  subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
}

run "namespace_must_be_a_dns_label" {
  command = plan
  variables {
    service_account_roles = {
      reader = { namespace = "Airflow_Pods", service_account = "reader", policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "service_account_must_be_a_dns_subdomain" {
  command = plan
  variables {
    service_account_roles = {
      reader = { namespace = "airflow-pods", service_account = "system:serviceaccount:x", policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "role_needs_statements_or_policy_arns" {
  command = plan
  variables {
    service_account_roles = {
      reader = { namespace = "airflow-pods", service_account = "reader" }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "wildcard_action_is_rejected" {
  command = plan
  variables {
    service_account_roles = {
      reader = {
        namespace         = "airflow-pods"
        service_account   = "reader"
        policy_statements = [{ actions = ["*"], resources = ["arn:aws:s3:::bucket"] }]
      }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "service_wildcard_action_is_rejected" {
  command = plan
  variables {
    service_account_roles = {
      reader = {
        namespace         = "airflow-pods"
        service_account   = "reader"
        policy_statements = [{ actions = ["s3:GetObject", "s3:*"], resources = ["arn:aws:s3:::bucket/*"] }]
      }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "statement_needs_resources_and_a_valid_effect" {
  command = plan
  variables {
    service_account_roles = {
      reader = {
        namespace         = "airflow-pods"
        service_account   = "reader"
        policy_statements = [{ effect = "Permit", actions = ["s3:GetObject"], resources = [] }]
      }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "one_service_account_one_role" {
  command = plan
  variables {
    service_account_roles = {
      reader  = { namespace = "airflow-pods", service_account = "reader", policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }
      reader2 = { namespace = "airflow-pods", service_account = "reader", policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "role_key_must_fit_a_role_name" {
  command = plan
  variables {
    service_account_roles = {
      "Reader Role" = { namespace = "airflow-pods", service_account = "reader", policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "administrator_access_is_rejected" {
  command = plan
  variables {
    service_account_roles = {
      reader = { namespace = "airflow-pods", service_account = "reader", policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"] }
    }
  }
  expect_failures = [var.service_account_roles]
}

run "mwaa_never_gets_cluster_admin" {
  command = plan
  variables {
    mwaa_access = {
      execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec"
      namespace          = "airflow-pods"
      access_policy      = "AmazonEKSClusterAdminPolicy"
    }
  }
  expect_failures = [var.mwaa_access]
}

run "mwaa_never_maps_to_system_masters" {
  command = plan
  variables {
    mwaa_access = {
      execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec"
      namespace          = "airflow-pods"
      kubernetes_group   = "system:masters"
    }
  }
  expect_failures = [var.mwaa_access]
}

run "mwaa_principal_must_be_a_role" {
  command = plan
  variables {
    mwaa_access = {
      execution_role_arn = "arn:aws:iam::123456789012:user/alice"
      namespace          = "airflow-pods"
    }
  }
  expect_failures = [var.mwaa_access]
}

run "public_endpoint_open_to_the_world_is_rejected" {
  command = plan
  variables {
    endpoint_access = { public = true, public_access_cidrs = ["0.0.0.0/0"] }
  }
  expect_failures = [var.endpoint_access]
}

run "node_sizes_must_be_ordered" {
  command = plan
  variables {
    node_group = { min_size = 3, desired_size = 2, max_size = 4 }
  }
  expect_failures = [var.node_group]
}

run "one_subnet_is_not_enough" {
  command = plan
  variables {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001"]
  }
  expect_failures = [var.subnet_ids]
}

run "a_well_formed_map_plans" {
  command = plan
  variables {
    service_account_roles = {
      reader = {
        namespace         = "airflow-pods"
        service_account   = "reader"
        policy_statements = [{ actions = ["s3:ListBucket", "s3:Get*"], resources = ["arn:aws:s3:::bucket"] }]
      }
    }
  }
  assert {
    condition     = length(aws_iam_role.irsa) == 1
    error_message = "A well-formed map must plan one role."
  }
}
