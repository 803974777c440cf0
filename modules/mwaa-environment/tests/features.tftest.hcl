# Behaviour beyond capacity: execution role scoping, uploads and their versions, presets, logging,
# bring-your-own resources, endpoint outputs and the create switch. Applied against the mock provider.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::airflow-feature-test-111122223333-us-east-1" }
  }
}

variables {
  name       = "feature-test"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "execution_role_is_scoped_to_this_environment" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.execution[0].assume_role_policy).Statement[0].Principal.Service == [
      "airflow.amazonaws.com", "airflow-env.amazonaws.com"
    ]
    error_message = "the trust policy must name exactly the two MWAA service principals"
  }
  assert {
    condition     = jsondecode(aws_iam_role.execution[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "the trust policy must pin aws:SourceAccount"
  }
  assert {
    condition = jsondecode(aws_iam_role.execution[0].assume_role_policy).Statement[0].Condition.ArnLike["aws:SourceArn"] == [
      "arn:aws:airflow:us-east-1:111122223333:environment/feature-test",
      "arn:aws:airflow:us-east-1:111122223333:environment/feature-test-*",
    ]
    error_message = "the trust policy must pin aws:SourceArn to this environment and its blue-green successors (feature-test-*)"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : alltrue([for a in try(tolist(s.Action), [s.Action]) : a != "*" && !endswith(a, ":*")])])
    error_message = "no statement may grant * or <service>:*"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "ReadSourceBucket"][0] == ["arn:aws:s3:::airflow-feature-test-111122223333-us-east-1", "arn:aws:s3:::airflow-feature-test-111122223333-us-east-1/*"]
    error_message = "S3 read must be limited to the environment's bucket"
  }

  assert {
    # s3:ListAllMyBuckets has no resource type: only Resource "*" matches it, a bucket ARN never does.
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s if s.Sid == "NoBucketListing"]) == { Sid = "NoBucketListing", Effect = "Deny", Action = ["s3:ListAllMyBuckets"], Resource = "*" }
    error_message = "The bucket-listing Deny must be on Resource \"*\" (the only resource s3:ListAllMyBuckets is evaluated against)."
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "WriteOwnLogs"][0][0] == "arn:aws:logs:us-east-1:111122223333:log-group:airflow-feature-test-*"
    error_message = "logs must be limited to the environment's log groups"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "CeleryQueue"][0] == ["arn:aws:sqs:us-east-1:*:airflow-celery-*"]
    error_message = "before the queue is known, SQS is limited to MWAA Celery queues of this region"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Condition.StringLike["kms:ViaService"] if s.Sid == "UseEnvironmentKeyThroughSqsAndS3"][0] == ["sqs.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"]
    error_message = "KMS use must go through SQS/S3 (kms:ViaService)"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "UseEnvironmentKeyThroughSqsAndS3"][0] == ["arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"]
    error_message = "KMS use must be limited to the environment's key"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].execution_role_arn == aws_iam_role.execution[0].arn && aws_mwaa_environment.this[0].kms_key == module.kms.arn
    error_message = "the environment must use the module's role and key"
  }
}

run "known_queue_narrows_sqs_and_extra_statements_are_added" {
  command = apply
  variables {
    celery_executor_queue_arn = "arn:aws:sqs:us-east-1:999988887777:airflow-celery-abc123"
    execution_role = {
      extra_statements = [{
        sid        = "ReadDataLake"
        actions    = ["s3:GetObject"]
        resources  = ["arn:aws:s3:::data-lake/*"]
        conditions = [{ test = "StringEquals", variable = "aws:ResourceAccount", values = ["111122223333"] }]
      }]
    }
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "CeleryQueue"][0] == ["arn:aws:sqs:us-east-1:999988887777:airflow-celery-abc123"]
    error_message = "a known queue must narrow the SQS statement to exactly that queue"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Condition.StringEquals["aws:ResourceAccount"] if s.Sid == "ReadDataLake"][0] == ["111122223333"]
    error_message = "extra statements must be added with their conditions"
  }
  assert {
    condition     = output.celery_executor_queue_arn == "arn:aws:sqs:us-east-1:999988887777:airflow-celery-abc123"
    error_message = "the queue output must echo the known queue"
  }
}

run "aws_owned_key_uses_not_resource" {
  command = apply
  variables {
    kms = { create = false }
  }
  assert {
    condition     = module.kms.alias_name == null && aws_mwaa_environment.this[0].kms_key == null
    error_message = "no key may be created or passed with kms.create = false"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.NotResource if s.Sid == "UseAwsOwnedKeyThroughSqs"][0] == ["arn:aws:kms:*:111122223333:key/*"]
    error_message = "AWS owned keys are reached with NotResource on the account's own keys"
  }
}

run "uploads_pass_their_versions_to_the_environment" {
  command = apply
  variables {
    requirements    = { source = "tests/fixtures/requirements.txt" }
    plugins         = { source = "tests/fixtures/plugins.zip" }
    startup_script  = { source = "tests/fixtures/startup.sh", s3_path = "scripts/startup.sh" }
    dags_source_dir = "tests/fixtures/dags"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].requirements_s3_object_version == aws_s3_object.upload["requirements"].version_id
    error_message = "the environment must run the uploaded requirements version"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].plugins_s3_object_version == aws_s3_object.upload["plugins"].version_id
    error_message = "the environment must run the uploaded plugins version"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].startup_script_s3_object_version == aws_s3_object.upload["startup_script"].version_id && aws_mwaa_environment.this[0].startup_script_s3_path == "scripts/startup.sh"
    error_message = "the environment must run the uploaded startup script version at its path"
  }
  assert {
    condition     = aws_s3_object.upload["requirements"].source_hash == filemd5("tests/fixtures/requirements.txt")
    error_message = "uploads must be keyed on content so a changed file makes a new S3 version"
  }
  assert {
    condition     = aws_s3_object.upload["requirements"].kms_key_id == module.kms.arn && aws_s3_object.upload["requirements"].server_side_encryption == "aws:kms"
    error_message = "uploads must be encrypted with the environment key"
  }
  assert {
    condition     = keys(aws_s3_object.dags) == ["hello.py"] && aws_s3_object.dags["hello.py"].key == "dags/hello.py"
    error_message = "DAG files must land under dag_s3_path"
  }
}

run "changed_requirements_file_is_uploaded_again" {
  command = plan
  variables {
    requirements = { source = "tests/fixtures/v2/requirements.txt" }
  }
  assert {
    condition     = aws_s3_object.upload["requirements"].source_hash == filemd5("tests/fixtures/v2/requirements.txt") && filemd5("tests/fixtures/v2/requirements.txt") != filemd5("tests/fixtures/requirements.txt")
    error_message = "a changed requirements file must change the planned object"
  }
}

run "versions_of_objects_managed_elsewhere_pass_through" {
  command = plan
  variables {
    requirements = { object_version = "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY" }
  }
  assert {
    condition     = length(aws_s3_object.upload) == 0 && aws_mwaa_environment.this[0].requirements_s3_object_version == "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY" && aws_mwaa_environment.this[0].requirements_s3_path == "requirements.txt"
    error_message = "object_version must be passed through without an upload"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].plugins_s3_path == null && aws_mwaa_environment.this[0].startup_script_s3_path == null
    error_message = "unused objects must not be configured"
  }
}

run "presets_render_airflow_2_options_and_secret_permissions" {
  command = apply
  variables {
    airflow_configuration_presets = {
      secrets_manager             = { config_prefix = "airflow/config" }
      secrets_cache               = { ttl_seconds = 600 }
      task_queued_timeout_seconds = 900
      triggerer_capacity          = 250
      worker_autoscale            = { max_tasks = 12, min_tasks = 2 }
    }
    airflow_configuration_options = { "core.default_task_retries" = "2", "secrets.cache_ttl_seconds" = "300" }
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["secrets.backend"] == "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    error_message = "secrets backend preset missing"
  }
  assert {
    condition     = jsondecode(aws_mwaa_environment.this[0].airflow_configuration_options["secrets.backend_kwargs"]) == { connections_prefix = "airflow/connections", variables_prefix = "airflow/variables", config_prefix = "airflow/config" }
    error_message = "secrets backend prefixes wrong"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["secrets.use_cache"] == "True" && aws_mwaa_environment.this[0].airflow_configuration_options["secrets.cache_ttl_seconds"] == "300"
    error_message = "cache preset wrong, or explicit options did not override presets"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["scheduler.task_queued_timeout"] == "900.0"
    error_message = "task_queued_timeout preset wrong"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["triggerer.default_capacity"] == "250" && !contains(keys(aws_mwaa_environment.this[0].airflow_configuration_options), "triggerer.capacity")
    error_message = "Airflow 2 uses triggerer.default_capacity"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["celery.worker_autoscale"] == "12,2" && output.capacity.tasks_per_worker == 12
    error_message = "worker_autoscale preset wrong"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["core.default_task_retries"] == "2"
    error_message = "extra options missing"
  }
  assert {
    condition     = issensitive(output.airflow_configuration_options) && !issensitive(output.capacity.tasks_per_worker)
    error_message = "airflow_configuration_options may carry secrets (smtp passwords, backend kwargs): the output must be sensitive; capacity stays readable."
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s.Resource if s.Sid == "ReadAirflowSecrets"][0] == [
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/connections/*",
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/variables/*",
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/config/*",
    ]
    error_message = "the role must read exactly the configured secret prefixes"
  }
}

run "airflow_3_uses_triggerer_capacity" {
  command = plan
  variables {
    airflow_version               = "3.0.6"
    airflow_configuration_presets = { triggerer_capacity = 100 }
  }
  assert {
    condition     = aws_mwaa_environment.this[0].airflow_configuration_options["triggerer.capacity"] == "100" && !contains(keys(aws_mwaa_environment.this[0].airflow_configuration_options), "triggerer.default_capacity")
    error_message = "Airflow 3 uses triggerer.capacity"
  }
}

run "no_presets_no_options_and_no_secret_permissions" {
  command = apply
  assert {
    condition     = length(aws_mwaa_environment.this[0].airflow_configuration_options) == 0
    error_message = "no options expected without presets"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s if s.Sid == "ReadAirflowSecrets"]) == 0
    error_message = "no Secrets Manager access without the preset"
  }
}

run "logging_is_typed_and_log_groups_follow_it" {
  command = apply
  variables {
    logging               = { task = { level = "DEBUG" }, worker = { enabled = false } }
    log_retention_in_days = 90
  }
  assert {
    condition     = aws_mwaa_environment.this[0].logging_configuration[0].task_logs[0].log_level == "DEBUG" && aws_mwaa_environment.this[0].logging_configuration[0].worker_logs[0].enabled == false
    error_message = "logging settings not passed through"
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_log_group.this)) == toset(["dag_processing", "scheduler", "task", "webserver"]) && aws_cloudwatch_log_group.this["task"].name == "airflow-feature-test-Task"
    error_message = "log groups must exist for exactly the enabled log types, named as MWAA names them"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this["scheduler"].retention_in_days == 90 && aws_cloudwatch_log_group.this["scheduler"].kms_key_id == module.kms.arn
    error_message = "log groups need retention and the environment key"
  }
}

run "a_blue_green_successor_is_adopted_under_its_own_name_with_the_same_prefix" {
  command = apply
  variables {
    environment_name = "feature-test-3-2"
    airflow_version  = "3.2.1"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].name == "feature-test-3-2" && aws_cloudwatch_log_group.this["task"].name == "airflow-feature-test-3-2-Task"
    error_message = "the environment and its log groups take environment_name"
  }
  assert {
    condition     = aws_ssm_parameter.airflow_version[0].name == "/mwaa-platform/environments/feature-test-3-2/airflow-version"
    error_message = "the version record follows the environment's name (the upgrade runbook writes it there)"
  }
  assert {
    condition     = aws_iam_role.execution[0].name == "mwaa-feature-test-us-east-1-execution" && module.kms.alias_name == "alias/mwaa-feature-test" && aws_security_group.this[0].name == "feature-test-mwaa"
    error_message = "the role, key and security group keep the name prefix: adopting the successor must not replace them"
  }
}

run "bucket_is_hardened" {
  command = apply
  assert {
    condition     = module.source_bucket.versioning_status == "Enabled"
    error_message = "MWAA needs a versioned bucket"
  }
  assert {
    condition     = module.source_bucket.public_access_block.block_public_acls && module.source_bucket.public_access_block.block_public_policy && module.source_bucket.public_access_block.ignore_public_acls && module.source_bucket.public_access_block.restrict_public_buckets
    error_message = "public access must be blocked"
  }
  assert {
    condition     = jsondecode(module.source_bucket.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false" && jsondecode(module.source_bucket.policy).Statement[0].Effect == "Deny"
    error_message = "the bucket must deny non-TLS access"
  }
  assert {
    condition     = module.source_bucket.sse_kms_key_arn == module.kms.arn
    error_message = "the bucket must use SSE-KMS with the environment key"
  }
  assert {
    condition     = module.source_bucket.id == "airflow-feature-test-111122223333-us-east-1" && aws_mwaa_environment.this[0].source_bucket_arn == module.source_bucket.arn
    error_message = "derived bucket name or its use by the environment is wrong"
  }
  assert {
    condition     = module.source_bucket.access_logging_target_bucket == null
    error_message = "no access logging without a target bucket"
  }
}

run "access_logs_when_a_target_is_given" {
  command = plan
  variables {
    source_bucket = { access_log_bucket = "org-s3-access-logs" }
  }
  assert {
    condition     = module.source_bucket.access_logging_target_bucket == "org-s3-access-logs"
    error_message = "access logging not configured"
  }
}

run "security_group_references_itself" {
  command = apply
  assert {
    condition     = aws_vpc_security_group_ingress_rule.self[0].referenced_security_group_id == aws_security_group.this[0].id && aws_vpc_security_group_ingress_rule.self[0].ip_protocol == "-1"
    error_message = "MWAA needs a self-referencing all-traffic ingress rule"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].network_configuration[0].security_group_ids == toset([aws_security_group.this[0].id]) && aws_vpc_security_group_egress_rule.https["0.0.0.0/0"].from_port == 443
    error_message = "the environment must use its group; egress is self plus HTTPS"
  }
}

run "bring_your_own_bucket_role_and_key" {
  command = apply
  variables {
    source_bucket  = { create = false, arn = "arn:aws:s3:::airflow-shared-dags" }
    execution_role = { create = false, arn = "arn:aws:iam::111122223333:role/existing-mwaa-role" }
    kms            = { create = false, key_arn = "arn:aws:kms:us-east-1:111122223333:key/99999999-2222-3333-4444-555555555555" }
    requirements   = { source = "tests/fixtures/requirements.txt" }
  }
  assert {
    condition     = module.source_bucket.arn == null && length(aws_iam_role.execution) == 0 && module.kms.alias_name == null
    error_message = "nothing may be created for brought-in resources"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].source_bucket_arn == "arn:aws:s3:::airflow-shared-dags" && aws_mwaa_environment.this[0].execution_role_arn == "arn:aws:iam::111122223333:role/existing-mwaa-role"
    error_message = "brought-in bucket and role must be used"
  }
  assert {
    condition     = aws_s3_object.upload["requirements"].bucket == "airflow-shared-dags" && aws_mwaa_environment.this[0].kms_key == "arn:aws:kms:us-east-1:111122223333:key/99999999-2222-3333-4444-555555555555"
    error_message = "uploads go to the brought-in bucket; the given key is used"
  }
  assert {
    condition     = output.execution_role_name == null && output.source_bucket_name == "airflow-shared-dags"
    error_message = "outputs for brought-in resources wrong"
  }
}

run "a_brought_bucket_with_its_own_key_encrypts_uploads_with_it" {
  command = apply
  variables {
    source_bucket = {
      create      = false
      arn         = "arn:aws:s3:::mwaa-dr-dags-111122223333-us-east-1"
      kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
    }
    requirements = { source = "tests/fixtures/requirements.txt" }
  }
  assert {
    condition     = aws_s3_object.upload["requirements"].kms_key_id == "arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"
    error_message = "uploads into a brought bucket must use that bucket's key (replication can only decrypt what its key encrypted)"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].kms_key == "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    error_message = "the environment itself keeps its own key"
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.execution[0].policy).Statement : s if s.Sid == "ReadSourceObjectsWithTheBucketKey"][0] == {
      Sid       = "ReadSourceObjectsWithTheBucketKey"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:DescribeKey"]
      Resource  = ["arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"]
      Condition = { StringLike = { "kms:ViaService" = ["s3.us-east-1.amazonaws.com"] } }
    }
    error_message = "the role may decrypt with the bucket's key through S3 in this region only"
  }
}

run "recovery_kit_without_the_environment" {
  command = apply
  variables {
    create_environment = false
    source_bucket      = { create = false, arn = "arn:aws:s3:::mwaa-dr-dags-111122223333-us-west-2", kms_key_arn = "arn:aws:kms:us-west-2:111122223333:key/mrk-0123456789abcdef0123456789abcdef" }
  }
  assert {
    condition     = length(aws_mwaa_environment.this) == 0 && output.arn == null && output.name == null && output.status == null
    error_message = "create_environment = false must not create the environment"
  }
  assert {
    condition     = length(aws_iam_role.execution) == 1 && module.kms.alias_name != null && length(aws_cloudwatch_log_group.this) == 5 && length(aws_security_group.this) == 1
    error_message = "the kit (role, key, log groups, security group) must exist for the environment a failover creates"
  }
  assert {
    condition     = output.execution_role_arn != null && output.kms_key_arn != null && output.security_group_id != null && output.source_bucket_arn == "arn:aws:s3:::mwaa-dr-dags-111122223333-us-west-2"
    error_message = "the kit's outputs are what the failover's CreateEnvironment overrides need"
  }
  assert {
    condition     = length(aws_s3_object.dags) == 0 && length(aws_s3_object.upload) == 0
    error_message = "nothing is uploaded into a replica bucket"
  }
}

run "customer_endpoints_private_only_expose_both_services" {
  command = apply
  variables {
    endpoint_management   = "CUSTOMER"
    webserver_access_mode = "PRIVATE_ONLY"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].endpoint_management == "CUSTOMER"
    error_message = "endpoint management not passed through"
  }
  assert {
    condition     = output.database_vpc_endpoint_service != null && output.webserver_vpc_endpoint_service != null
    error_message = "CUSTOMER + PRIVATE_ONLY must expose both endpoint services"
  }
}

run "customer_endpoints_public_only_expose_the_database_service_only" {
  command = apply
  variables {
    endpoint_management   = "CUSTOMER"
    webserver_access_mode = "PUBLIC_ONLY"
  }
  assert {
    condition     = output.database_vpc_endpoint_service != null && output.webserver_vpc_endpoint_service == null
    error_message = "PUBLIC_ONLY has no webserver endpoint to create"
  }
}

run "service_endpoints_expose_no_services" {
  command = apply
  assert {
    condition     = output.database_vpc_endpoint_service == null && output.webserver_vpc_endpoint_service == null && output.celery_executor_queue_arn == null
    error_message = "SERVICE-managed environments need no customer endpoints"
  }
  assert {
    condition     = output.arn == aws_mwaa_environment.this[0].arn && output.webserver_url == aws_mwaa_environment.this[0].webserver_url && output.service_role_arn == aws_mwaa_environment.this[0].service_role_arn
    error_message = "environment outputs wrong"
  }
}

run "maintenance_window_passes_through" {
  command = plan
  variables {
    weekly_maintenance_window_start = "SUN:03:30"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].weekly_maintenance_window_start == "SUN:03:30"
    error_message = "maintenance window not passed through"
  }
}
