# The major-version guard: hashicorp/aws plans a higher major airflow_version as destroy-and-create, so the module
# stops that plan unless the caller opts in. The recorded version comes from the SSM parameter the module keeps.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  name       = "guard-test"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "first_apply_has_no_record_and_plans" {
  command = plan
  variables {
    airflow_version = "3.2.1"
  }
  assert {
    condition     = aws_ssm_parameter.airflow_version[0].name == "/mwaa-platform/environments/guard-test/airflow-version" && data.aws_ssm_parameters_by_path.recorded_version[0].path == "/mwaa-platform/environments/guard-test"
    error_message = "the version record and its look-up must use the environment's path"
  }
}

run "major_upgrade_over_a_recorded_2x_is_stopped" {
  command = plan
  override_data {
    target = data.aws_ssm_parameters_by_path.recorded_version[0]
    values = { names = ["/mwaa-platform/environments/guard-test/airflow-version"], values = ["2.11.0"] }
  }
  variables {
    airflow_version = "3.2.1"
  }
  expect_failures = [aws_mwaa_environment.this]
}

run "major_upgrade_from_2_10_is_stopped_too" {
  command = plan
  override_data {
    target = data.aws_ssm_parameters_by_path.recorded_version[0]
    values = { names = ["/mwaa-platform/environments/guard-test/airflow-version"], values = ["2.10.3"] }
  }
  variables {
    airflow_version = "3.0.6"
  }
  expect_failures = [aws_mwaa_environment.this]
}

run "explicit_opt_in_lets_the_replacement_plan" {
  command = plan
  override_data {
    target = data.aws_ssm_parameters_by_path.recorded_version[0]
    values = { names = ["/mwaa-platform/environments/guard-test/airflow-version"], values = ["2.11.0"] }
  }
  variables {
    airflow_version                 = "3.2.1"
    allow_major_version_replacement = true
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "3.2.1"
    error_message = "the opt-in must let the plan through"
  }
}

run "recorded_in_place_upgrade_plans_clean" {
  command = plan
  override_data {
    target = data.aws_ssm_parameters_by_path.recorded_version[0]
    values = { names = ["/mwaa-platform/environments/guard-test/airflow-version"], values = ["3.2.1"] }
  }
  variables {
    airflow_version = "3.2.1"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "3.2.1"
    error_message = "a version already reached in place must plan"
  }
}

run "minor_change_and_downgrade_to_2_11_are_in_place" {
  command = plan
  override_data {
    target = data.aws_ssm_parameters_by_path.recorded_version[0]
    values = { names = ["/mwaa-platform/environments/guard-test/airflow-version"], values = ["3.2.1"] }
  }
  variables {
    airflow_version = "2.11.0"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_version == "2.11.0"
    error_message = "3.x -> 2.11.x is an in-place change in hashicorp/aws; the guard must not stop it"
  }
}

run "a_recovery_kit_has_no_guard_and_no_record" {
  command = plan
  variables {
    create_environment = false
    airflow_version    = "3.2.1"
  }
  assert {
    condition     = length(aws_ssm_parameter.airflow_version) == 0 && length(data.aws_ssm_parameters_by_path.recorded_version) == 0
    error_message = "no environment, nothing to guard"
  }
}
