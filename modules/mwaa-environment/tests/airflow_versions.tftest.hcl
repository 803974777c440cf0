# Generated from src/mwaa_platform/versions/table.json by `make versions`; do not edit.
# Every offered Airflow version plans; every end-of-support, image-only and unknown version is refused.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  name       = "version-test"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "end_of_support_2_4_3" {
  command = plan
  variables {
    airflow_version = "2.4.3"
  }
  expect_failures = [var.airflow_version]
}

run "end_of_support_2_5_1" {
  command = plan
  variables {
    airflow_version = "2.5.1"
  }
  expect_failures = [var.airflow_version]
}

run "end_of_support_2_6_3" {
  command = plan
  variables {
    airflow_version = "2.6.3"
  }
  expect_failures = [var.airflow_version]
}

run "end_of_support_2_7_2" {
  command = plan
  variables {
    airflow_version = "2.7.2"
  }
  expect_failures = [var.airflow_version]
}

run "end_of_support_2_8_1" {
  command = plan
  variables {
    airflow_version = "2.8.1"
  }
  expect_failures = [var.airflow_version]
}

run "available_2_9_2" {
  command = plan
  variables {
    airflow_version = "2.9.2"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "2.9.2"
    error_message = "offered version 2.9.2 must plan"
  }
}

run "available_2_10_1" {
  command = plan
  variables {
    airflow_version = "2.10.1"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "2.10.1"
    error_message = "offered version 2.10.1 must plan"
  }
}

run "available_2_10_3" {
  command = plan
  variables {
    airflow_version = "2.10.3"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "2.10.3"
    error_message = "offered version 2.10.3 must plan"
  }
}

run "available_2_11_0" {
  command = plan
  variables {
    airflow_version = "2.11.0"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "2.11.0"
    error_message = "offered version 2.11.0 must plan"
  }
}

run "image_only_2_11_2" {
  command = plan
  variables {
    airflow_version = "2.11.2"
  }
  expect_failures = [var.airflow_version]
}

run "available_3_0_6" {
  command = plan
  variables {
    airflow_version = "3.0.6"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "3.0.6"
    error_message = "offered version 3.0.6 must plan"
  }
}

run "available_3_2_1" {
  command = plan
  variables {
    airflow_version = "3.2.1"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "3.2.1"
    error_message = "offered version 3.2.1 must plan"
  }
}

run "image_only_3_3_1" {
  command = plan
  variables {
    airflow_version = "3.3.1"
  }
  expect_failures = [var.airflow_version]
}

run "unknown_3_1_0" {
  command = plan
  variables {
    airflow_version = "3.1.0"
  }
  expect_failures = [var.airflow_version]
}

run "unknown_1_10_12" {
  command = plan
  variables {
    airflow_version = "1.10.12"
  }
  expect_failures = [var.airflow_version]
}
