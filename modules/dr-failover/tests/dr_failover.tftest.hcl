# dr-failover against a mocked provider (no credentials, no network).

mock_provider "aws" {
  override_during = plan
  source          = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:111122223333:key/33333333-3333-3333-3333-333333333333" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-west-2:111122223333:fo-test-failover" }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:us-west-2:111122223333:stateMachine:fo-test-failover" }
  }
}

# The apply run's provider: without override_during = plan, computed values are generated once, at apply.
mock_provider "aws" {
  alias  = "apply"
  source = "../_testing/mocks/aws"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-west-2:111122223333:fo-test-failover" }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:us-west-2:111122223333:stateMachine:fo-test-failover" }
  }
}

variables {
  name            = "fo-test"
  env             = "test"
  primary_region  = "us-east-1"
  environments    = { primary = "fo-test-primary", secondary = "fo-test-secondary" }
  lambda_zip_path = "handlers.json"
  storage = {
    config_bucket = "fo-test-backup-replica"
    kms_key_arn   = "arn:aws:kms:us-west-2:111122223333:key/44444444-4444-4444-4444-444444444444"
    backup_url    = "s3://fo-test-backup-replica/test"
  }
}

run "warm_standby_control_plane" {
  command = plan

  assert {
    condition     = length(module.lambda.functions) == 12 && alltrue([for k, f in module.lambda.functions : f.handler == "mwaa_platform.failover.handlers.${k}"])
    error_message = "One Lambda per state-machine task, each with its handler of the same name."
  }

  assert {
    condition     = module.lambda.functions["verify"].timeout == 900 && module.lambda.functions["acquire_lease"].timeout == 60
    error_message = "Lambda timeouts come from handlers.json (the Python step list)."
  }

  assert {
    condition     = aws_dynamodb_table.state[0].point_in_time_recovery[0].enabled && aws_dynamodb_table.state[0].server_side_encryption[0].enabled && aws_dynamodb_table.state[0].hash_key == "env" && aws_dynamodb_table.state[0].deletion_protection_enabled
    error_message = "The state table needs PITR, KMS encryption, deletion protection and the env hash key."
  }

  assert {
    condition     = aws_sns_topic.this[0].kms_master_key_id == "arn:aws:kms:us-west-2:111122223333:key/33333333-3333-3333-3333-333333333333"
    error_message = "The topic must be encrypted with the module's key."
  }

  assert {
    condition     = aws_scheduler_schedule.health[0].schedule_expression == "rate(1 minute)" && aws_scheduler_schedule.health[0].state == "ENABLED"
    error_message = "The evaluation runs every minute by default."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this[0].definition).States.StartRestore.TimeoutSeconds == 1800 && jsondecode(aws_sfn_state_machine.this[0].definition).TimeoutSeconds == 1800 + 5400 + 3060
    error_message = "The restore callback times out after timeouts.restore, well inside the workflow's timeout."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this[0].definition).States.WaitBeforePoll.Seconds == 30
    error_message = "The poll interval comes from timeouts.poll."
  }

  assert {
    condition     = jsondecode(aws_ssm_parameter.config[0].value).health.unhealthy_periods == 3 && jsondecode(aws_ssm_parameter.config[0].value).secondary_region == "us-west-2" && jsondecode(aws_ssm_parameter.config[0].value).secondary_overrides == null
    error_message = "The runbook's configuration carries the thresholds, the regions and no overrides in warm standby."
  }

  assert {
    condition     = jsondecode(aws_ssm_parameter.config[0].value).restore_in_flight == "rerun"
    error_message = "By default the restore clears the snapshot's in-flight tasks so that the secondary runs them again."
  }

  assert {
    condition     = aws_ssm_parameter.config[0].name == "/mwaa-platform/test/failover/config"
    error_message = "The runbook finds its configuration at /mwaa-platform/<env>/failover/config."
  }

  assert {
    condition     = aws_sfn_state_machine.this[0].logging_configuration[0].include_execution_data == false
    error_message = "Execution data carries task tokens: it must not be logged."
  }
}

run "backup_restore_grants_create_environment" {
  command = plan

  variables {
    dr_mode = "backup_restore"
    secondary_environment = {
      execution_role_arn = "arn:aws:iam::111122223333:role/fo-test-secondary-exec"
      subnet_ids         = ["subnet-1", "subnet-2"]
      security_group_ids = ["sg-1"]
      source_bucket_arn  = "arn:aws:s3:::fo-test-dags-replica"
      # an option that is a credential, as real configurations carry (smtp, secrets backend kwargs)
      airflow_configuration_options = { "secrets.backend_kwargs" = "{\"connections_prefix\": \"airflow/connections\"}", "smtp.smtp_password" = "not-for-logs" }
    }
    timeouts = { restore = 900, poll = 15 }
  }

  assert {
    condition     = jsondecode(aws_ssm_parameter.config[0].value).secondary_overrides.NetworkConfiguration.SubnetIds == ["subnet-1", "subnet-2"] && jsondecode(aws_ssm_parameter.config[0].value).secondary_overrides.ExecutionRoleArn == "arn:aws:iam::111122223333:role/fo-test-secondary-exec"
    error_message = "backup_restore must pass the secondary's network and role as CreateEnvironment overrides."
  }

  assert {
    condition     = aws_ssm_parameter.config[0].type == "SecureString" && aws_ssm_parameter.config[0].key_id == "arn:aws:kms:us-west-2:111122223333:key/33333333-3333-3333-3333-333333333333"
    error_message = "The failover configuration carries the secondary's Airflow configuration options: SecureString under the module's key, never String."
  }

  assert {
    condition     = issensitive(output.failover_config) && issensitive(local.overrides.AirflowConfigurationOptions)
    error_message = "failover_config (and the Airflow configuration options in it) may hold secrets: the output must be sensitive."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this[0].definition).States.StartRestore.TimeoutSeconds == 900 && jsondecode(aws_sfn_state_machine.this[0].definition).States.WaitBeforePoll.Seconds == 15
    error_message = "timeouts reach the definition."
  }
}

run "disabled_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = module.lambda.functions == null && length(aws_sfn_state_machine.this) == 0 && length(aws_dynamodb_table.state) == 0 && module.kms.alias_name == null
    error_message = "create = false must plan nothing."
  }

  assert {
    condition     = output.state_machine_arn == null && output.function_arns == null && output.failover_config == null && output.topic_arn == null
    error_message = "Every output is null when nothing is created."
  }
}

run "apply_fills_the_outputs" {
  command = apply

  providers = { aws = aws.apply }

  assert {
    condition     = length(output.function_arns) == 12 && output.state_machine_arn == "arn:aws:states:us-west-2:111122223333:stateMachine:fo-test-failover"
    error_message = "Outputs must carry every step's function and the state machine."
  }

  assert {
    condition     = output.failover_config.state_table == "fo-test-failover-state" && output.failover_config.topic_arn == "arn:aws:sns:us-west-2:111122223333:fo-test-failover" && output.config_parameter_name == "/mwaa-platform/test/failover/config"
    error_message = "The configuration names the table and topic the module created."
  }
}
