# Every combination MWAA rejects fails at plan, on the variable that is wrong.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  name       = "validation-test"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "micro_with_two_schedulers" {
  command = plan
  variables {
    environment_class = "mw1.micro"
    schedulers        = 2
  }
  expect_failures = [var.schedulers]
}

run "micro_with_two_webservers" {
  command = plan
  variables {
    environment_class = "mw1.micro"
    max_webservers    = 2
  }
  expect_failures = [var.max_webservers]
}

run "micro_with_min_webservers_two" {
  command = plan
  variables {
    environment_class = "mw1.micro"
    min_webservers    = 2
  }
  expect_failures = [var.min_webservers]
}

run "micro_with_two_workers" {
  command = plan
  variables {
    environment_class = "mw1.micro"
    max_workers       = 2
  }
  expect_failures = [var.max_workers]
}

run "micro_with_min_workers_two" {
  command = plan
  variables {
    environment_class = "mw1.micro"
    min_workers       = 2
  }
  expect_failures = [var.min_workers]
}

run "small_with_one_scheduler" {
  command = plan
  variables {
    environment_class = "mw1.small"
    schedulers        = 1
  }
  expect_failures = [var.schedulers]
}

run "large_with_six_schedulers" {
  command = plan
  variables {
    environment_class = "mw1.large"
    schedulers        = 6
  }
  expect_failures = [var.schedulers]
}

run "fractional_schedulers" {
  command = plan
  variables {
    schedulers = 2.5
  }
  expect_failures = [var.schedulers]
}

run "small_with_one_webserver" {
  command = plan
  variables {
    environment_class = "mw1.small"
    min_webservers    = 1
  }
  expect_failures = [var.min_webservers]
}

run "medium_with_six_webservers" {
  command = plan
  variables {
    environment_class = "mw1.medium"
    max_webservers    = 6
  }
  expect_failures = [var.max_webservers]
}

run "max_webservers_below_min_webservers" {
  command = plan
  variables {
    min_webservers = 4
    max_webservers = 3
  }
  expect_failures = [var.max_webservers]
}

run "max_webservers_below_class_default_min" {
  command = plan
  variables {
    environment_class = "mw1.xlarge"
    min_webservers    = 3
    max_webservers    = 2
  }
  expect_failures = [var.max_webservers]
}

run "max_workers_above_default_quota" {
  command = plan
  variables {
    environment_class = "mw1.2xlarge"
    max_workers       = 26
  }
  expect_failures = [var.max_workers]
}

run "max_workers_below_min_workers" {
  command = plan
  variables {
    min_workers = 5
    max_workers = 3
  }
  expect_failures = [var.max_workers]
}

run "zero_min_workers" {
  command = plan
  variables {
    min_workers = 0
  }
  expect_failures = [var.min_workers]
}

run "worker_quota_below_default" {
  command = plan
  variables {
    worker_quota = 10
  }
  expect_failures = [var.worker_quota]
}

run "bad_class_name" {
  command = plan
  variables {
    environment_class = "mw1.huge"
  }
  expect_failures = [var.environment_class]
}

run "end_of_support_version" {
  command = plan
  variables {
    airflow_version = "2.6.3"
  }
  expect_failures = [var.airflow_version]
}

run "unknown_version" {
  command = plan
  variables {
    airflow_version = "3.1.0"
  }
  expect_failures = [var.airflow_version]
}

run "maintenance_window_off_the_half_hour" {
  command = plan
  variables {
    weekly_maintenance_window_start = "SUN:03:15"
  }
  expect_failures = [var.weekly_maintenance_window_start]
}

run "public_and_private_access_mode" {
  command = plan
  variables {
    webserver_access_mode = "PUBLIC_AND_PRIVATE"
  }
  expect_failures = [var.webserver_access_mode]
}

run "bad_endpoint_management" {
  command = plan
  variables {
    endpoint_management = "AUTO"
  }
  expect_failures = [var.endpoint_management]
}

run "one_subnet" {
  command = plan
  variables {
    subnet_ids = ["subnet-0123456789abcdef0"]
  }
  expect_failures = [var.subnet_ids]
}

run "missing_vpc" {
  command = plan
  variables {
    vpc_id = null
  }
  expect_failures = [var.vpc_id]
}

run "bad_environment_name" {
  command = plan
  variables {
    name = "1-starts-with-a-digit"
  }
  expect_failures = [var.name]
}

run "service_wide_action_in_extra_statements" {
  command = plan
  variables {
    execution_role = {
      extra_statements = [{ actions = ["s3:*"], resources = ["arn:aws:s3:::data/*"] }]
    }
  }
  expect_failures = [var.execution_role]
}

run "star_action_in_extra_statements" {
  command = plan
  variables {
    execution_role = {
      extra_statements = [{ actions = ["*"], resources = ["*"] }]
    }
  }
  expect_failures = [var.execution_role]
}

run "byo_role_without_arn" {
  command = plan
  variables {
    execution_role = { create = false }
  }
  expect_failures = [var.execution_role]
}

run "byo_bucket_without_arn" {
  command = plan
  variables {
    source_bucket = { create = false }
  }
  expect_failures = [var.source_bucket]
}

run "unknown_log_level" {
  command = plan
  variables {
    logging = { task = { level = "TRACE" } }
  }
  expect_failures = [var.logging]
}

run "requirements_with_source_and_version" {
  command = plan
  variables {
    requirements = { source = "tests/fixtures/requirements.txt", object_version = "abc" }
  }
  expect_failures = [var.requirements]
}

run "worker_autoscale_min_above_max" {
  command = plan
  variables {
    airflow_configuration_presets = { worker_autoscale = { max_tasks = 5, min_tasks = 10 } }
  }
  expect_failures = [var.airflow_configuration_presets]
}

run "kms_create_and_key_arn" {
  command = plan
  variables {
    kms = { create = true, key_arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555" }
  }
  expect_failures = [var.kms]
}

run "bad_configuration_key" {
  command = plan
  variables {
    airflow_configuration_options = { "Core.Parallelism" = "8" }
  }
  expect_failures = [var.airflow_configuration_options]
}

run "bucket_key_for_a_created_bucket" {
  command = plan
  variables {
    source_bucket = { kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555" }
  }
  expect_failures = [var.source_bucket]
}

run "bucket_key_as_an_alias" {
  command = plan
  variables {
    source_bucket = { create = false, arn = "arn:aws:s3:::airflow-shared-dags", kms_key_arn = "alias/dags" }
  }
  expect_failures = [var.source_bucket]
}

run "environment_name_outside_the_prefix" {
  command = plan
  variables {
    environment_name = "other-env-3-2"
  }
  expect_failures = [var.environment_name]
}

run "environment_name_not_an_mwaa_name" {
  command = plan
  variables {
    environment_name = "validation-test-3.2"
  }
  expect_failures = [var.environment_name]
}
