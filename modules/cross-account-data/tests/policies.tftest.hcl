# Least-privilege checks on every policy the module writes, applied against mock providers (no AWS calls).

mock_provider "aws" {
  alias  = "producer"
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111", arn = "arn:aws:iam::111111111111:role/terraform", user_id = "AROAPRODUCER" }
  }
}

mock_provider "aws" {
  alias  = "consumer"
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222", arn = "arn:aws:iam::222222222222:role/terraform", user_id = "AROACONSUMER" }
  }
  mock_resource "aws_redshiftserverless_workgroup" {
    defaults = {
      arn      = "arn:aws:redshift-serverless:us-east-1:222222222222:workgroup/11111111-2222-3333-4444-555555555555"
      endpoint = [{ address = "sales.222222222222.us-east-1.redshift-serverless.amazonaws.com", port = 5439, vpc_endpoint = [] }]
    }
  }
  mock_resource "aws_redshiftserverless_namespace" {
    defaults = { admin_password_secret_arn = "arn:aws:secretsmanager:us-east-1:222222222222:secret:redshift!sales-etl_admin-AbCdEf" }
  }
}

override_resource {
  target = aws_iam_role.producer_unload
  values = { arn = "arn:aws:iam::111111111111:role/sales-producer-unload" }
}

override_resource {
  target = aws_iam_role.redshift
  values = { arn = "arn:aws:iam::222222222222:role/sales-redshift" }
}

override_resource {
  target = aws_iam_role.glue
  values = { arn = "arn:aws:iam::222222222222:role/sales-glue" }
}

variables {
  name = "sales"
  consumer = {
    mwaa_execution_role_arn = "arn:aws:iam::222222222222:role/service-role/mwaa-prod"
    mwaa_security_group_id  = "sg-0123456789abcdef0"
    add_mwaa_egress_rule    = true
  }
  network = {
    mwaa_vpc     = { id = "vpc-0aaaaaaaaaaaaaaaa", cidr_block = "10.10.0.0/16", route_table_ids = ["rtb-0a1", "rtb-0a2"], subnet_ids = ["subnet-0a1", "subnet-0a2"] }
    redshift_vpc = { id = "vpc-0bbbbbbbbbbbbbbbb", cidr_block = "10.20.0.0/16", route_table_ids = ["rtb-0b1"], subnet_ids = ["subnet-0b1", "subnet-0b2", "subnet-0b3"] }
  }
}

run "producer_bucket_policies_grant_exactly_the_consumer_roles" {
  command = apply

  assert {
    condition     = module.producer_bucket["input"].id == "sales-input-111111111111" && module.producer_bucket["output"].id == "sales-output-111111111111"
    error_message = "Default bucket names must be <name>-<purpose>-<producer account>."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(module.producer_bucket["input"].policy).Statement : s.Principal.AWS if s.Effect == "Allow"
    ])) == toset(["arn:aws:iam::222222222222:role/sales-glue", "arn:aws:iam::222222222222:role/service-role/mwaa-prod"])
    error_message = "The input bucket policy must allow exactly the Glue role and the MWAA execution role of account B."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(module.producer_bucket["input"].policy).Statement : s.Action if s.Effect == "Allow"
    ])) == toset(["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"])
    error_message = "The input bucket policy must grant only list + read."
  }

  assert {
    condition = one([
      for s in jsondecode(module.producer_bucket["input"].policy).Statement : s.Resource if s.Action == "s3:GetObject"
    ]) == "arn:aws:s3:::sales-input-111111111111/raw/*"
    error_message = "Reads must be limited to the input prefix."
  }

  assert {
    condition = one([
      for s in jsondecode(module.producer_bucket["input"].policy).Statement : s.Condition.StringLike["s3:prefix"] if s.Sid == "ConsumerRolesListInputPrefix"
    ]) == ["raw/*"]
    error_message = "Listing must be limited to the input prefix."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(module.producer_bucket["output"].policy).Statement : s.Principal.AWS if s.Effect == "Allow"
    ])) == toset(["arn:aws:iam::111111111111:role/sales-producer-unload"])
    error_message = "Only RoleA may write the output bucket."
  }

  assert {
    condition = alltrue([
      for p in concat(
        [for k, m in module.producer_bucket : m.policy],
        [module.producer_logs_bucket.policy, module.staging_bucket.policy, module.consumer_logs_bucket.policy],
      ) : anytrue([for s in jsondecode(p).Statement : s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"])
    ])
    error_message = "Every bucket policy must deny non-TLS access."
  }

  assert {
    condition = alltrue([
      for b in concat([for k, m in module.producer_bucket : m.public_access_block], [module.producer_logs_bucket.public_access_block, module.staging_bucket.public_access_block, module.consumer_logs_bucket.public_access_block]) :
      b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets
    ])
    error_message = "Every bucket must block public access."
  }

  assert {
    condition = alltrue([
      for m in concat(values(module.producer_bucket), [module.staging_bucket]) :
      m.sse_algorithm == "aws:kms"
    ])
    error_message = "Data buckets must use SSE-KMS with the module's keys."
  }

  assert {
    condition     = module.producer_bucket["input"].access_logging_target_bucket == module.producer_logs_bucket.name && module.staging_bucket.access_logging_target_bucket == module.consumer_logs_bucket.name
    error_message = "Data buckets must log to their account's access-log bucket."
  }
}

run "roles_trust_and_chain" {
  command = apply

  assert {
    condition     = jsondecode(aws_iam_role.producer_unload[0].assume_role_policy).Statement[0].Principal.AWS == "arn:aws:iam::222222222222:role/sales-redshift"
    error_message = "RoleA must trust exactly RoleB (account B's Redshift role)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.redshift[0].assume_role_policy).Statement[0].Principal == { Service = "redshift.amazonaws.com" }
    error_message = "RoleB must be trusted by Redshift only."
  }

  assert {
    condition     = jsondecode(aws_iam_role.glue[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "222222222222"
    error_message = "The Glue role's trust must pin the consumer account."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.redshift[0].policy).Statement : s.Resource if s.Action == "sts:AssumeRole"
    ]) == "arn:aws:iam::111111111111:role/sales-producer-unload"
    error_message = "RoleB may assume RoleA and nothing else."
  }

  assert {
    condition     = jsondecode(aws_secretsmanager_secret_version.unload_connection[0].secret_string).extra.role_arn == "arn:aws:iam::222222222222:role/sales-redshift,arn:aws:iam::111111111111:role/sales-producer-unload"
    error_message = "The UNLOAD connection must carry the chain RoleB,RoleA in that order."
  }

  assert {
    condition = alltrue(flatten([
      for p in [aws_iam_role_policy.glue[0].policy, aws_iam_role_policy.redshift[0].policy, aws_iam_role_policy.producer_unload[0].policy, aws_iam_role_policy.mwaa[0].policy] : [
        for s in jsondecode(p).Statement : [for a in flatten([s.Action]) : !endswith(a, "*")]
      ]
    ]))
    error_message = "Role policies must not use wildcard actions."
  }

  assert {
    condition = alltrue(flatten([
      for p in [aws_iam_role_policy.glue[0].policy, aws_iam_role_policy.redshift[0].policy, aws_iam_role_policy.producer_unload[0].policy] : [
        for s in jsondecode(p).Statement : [for r in flatten([s.Resource]) : r != "*"]
      ]
    ]))
    error_message = "Glue, RoleA and RoleB policies must name their resources."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s.Resource if s.Resource == "*"
    ]) == "*" && one([for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s.Sid if s.Resource == "*"]) == "RedshiftDataOwnStatements"
    error_message = "The only MWAA statement on * must be the Data API statement lookup, limited to own statements."
  }

  assert {
    condition     = aws_iam_role_policy.mwaa[0].role == "mwaa-prod"
    error_message = "The MWAA policy must attach to the role named in the ARN (path stripped)."
  }
}

run "mwaa_reads_only_its_airflow_secrets" {
  command = apply

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s.Resource if s.Sid == "ReadOwnAirflowSecrets"
    ]) == ["arn:aws:secretsmanager:us-east-1:222222222222:secret:airflow/connections/*", "arn:aws:secretsmanager:us-east-1:222222222222:secret:airflow/variables/*"]
    error_message = "MWAA may read only airflow/connections/* and airflow/variables/* of account B."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s.Condition.StringEquals["kms:ViaService"] if s.Sid == "DecryptAirflowSecrets"
    ]) == "secretsmanager.us-east-1.amazonaws.com"
    error_message = "MWAA may decrypt with the consumer key only through Secrets Manager."
  }

  assert {
    condition     = output.airflow_configuration_options["secrets.backend"] == "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    error_message = "The MWAA environment must use the Secrets Manager backend."
  }

  assert {
    condition     = jsondecode(output.airflow_configuration_options["secrets.backend_kwargs"]) == { connections_prefix = "airflow/connections", variables_prefix = "airflow/variables" }
    error_message = "The backend must use the airflow/connections and airflow/variables prefixes."
  }

  assert {
    condition     = aws_secretsmanager_secret.pipeline_variable[0].name == "airflow/variables/data_pipeline" && aws_secretsmanager_secret.redshift_connection[0].name == "airflow/connections/redshift_default"
    error_message = "Secrets must sit where the backend looks for variable data_pipeline and connection redshift_default."
  }

  assert {
    condition     = jsondecode(aws_secretsmanager_secret_version.pipeline_variable[0].secret_string).input_bucket == "sales-input-111111111111" && jsondecode(aws_secretsmanager_secret_version.pipeline_variable[0].secret_string).redshift_workgroup == "sales"
    error_message = "The pipeline variable must carry the bucket and workgroup names."
  }

  assert {
    condition     = jsondecode(aws_vpc_endpoint.secretsmanager["secretsmanager"].policy).Statement[0].Resource == ["arn:aws:secretsmanager:us-east-1:222222222222:secret:airflow/connections/*", "arn:aws:secretsmanager:us-east-1:222222222222:secret:airflow/variables/*"]
    error_message = "The Secrets Manager endpoint policy must fence to the Airflow secrets."
  }
}

run "kms_key_policies" {
  command = apply

  assert {
    condition = toset(one([
      for s in jsondecode(aws_kms_key.producer["input"].policy).Statement : s.Principal.AWS if s.Sid == "ConsumerRolesDecryptThroughS3"
    ])) == toset(["arn:aws:iam::222222222222:role/sales-glue", "arn:aws:iam::222222222222:role/service-role/mwaa-prod"])
    error_message = "The input key may be used by exactly the Glue and MWAA roles of account B."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.producer["output"].policy).Statement : s.Principal.AWS if s.Sid == "UnloadRoleEncryptsThroughS3"
    ]) == "arn:aws:iam::111111111111:role/sales-producer-unload"
    error_message = "The output key may be used by RoleA only (besides account A's administrators)."
  }

  assert {
    condition     = alltrue([for k in concat(values(aws_kms_key.producer), aws_kms_key.consumer) : k.enable_key_rotation])
    error_message = "Every KMS key must rotate."
  }
}

run "network_peering_endpoints_and_redshift" {
  command = apply

  assert {
    condition     = length(aws_route.mwaa_to_redshift) == 2 && alltrue([for r in aws_route.mwaa_to_redshift : r.destination_cidr_block == "10.20.0.0/16"])
    error_message = "Every MWAA route table needs a route to the Redshift VPC through the peering."
  }

  assert {
    condition     = length(aws_route.redshift_to_mwaa) == 1 && aws_route.redshift_to_mwaa[0].destination_cidr_block == "10.10.0.0/16"
    error_message = "Every Redshift route table needs a route back to the MWAA VPC."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.redshift_from_mwaa[0].cidr_ipv4 == "10.10.0.0/16" && aws_vpc_security_group_ingress_rule.redshift_from_mwaa[0].from_port == 5439
    error_message = "Redshift must admit SQL from the MWAA VPC CIDR only."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.mwaa_to_redshift[0].security_group_id == "sg-0123456789abcdef0" && aws_vpc_security_group_egress_rule.mwaa_to_redshift[0].cidr_ipv4 == "10.20.0.0/16"
    error_message = "The MWAA security group must get egress to the Redshift VPC CIDR."
  }

  assert {
    condition     = aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3[0].vpc_id == "vpc-0bbbbbbbbbbbbbbbb"
    error_message = "The S3 gateway endpoint belongs in the Redshift VPC."
  }

  assert {
    condition     = aws_vpc_endpoint.secretsmanager["secretsmanager"].vpc_endpoint_type == "Interface" && aws_vpc_endpoint.secretsmanager["secretsmanager"].private_dns_enabled && aws_vpc_endpoint.secretsmanager["secretsmanager"].vpc_id == "vpc-0aaaaaaaaaaaaaaaa"
    error_message = "The Secrets Manager interface endpoint belongs in the MWAA VPC with private DNS."
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this[0].manage_admin_password && aws_redshiftserverless_namespace.this[0].default_iam_role_arn == "arn:aws:iam::222222222222:role/sales-redshift"
    error_message = "The namespace must let Redshift manage the admin password and default to RoleB."
  }

  assert {
    condition     = !aws_redshiftserverless_workgroup.this[0].publicly_accessible && aws_redshiftserverless_workgroup.this[0].enhanced_vpc_routing && length(aws_redshiftserverless_workgroup.this[0].subnet_ids) == 3
    error_message = "The workgroup must be private, route COPY/UNLOAD through the VPC, and span the 3 subnets."
  }

  assert {
    condition     = output.redshift_endpoint.port == 5439 && output.redshift_admin_secret_arn != null
    error_message = "Redshift outputs must be set when Redshift Serverless is enabled."
  }

  assert {
    condition     = strcontains(aws_redshiftdata_statement.load_procedure[0].sql, "CREATE OR REPLACE PROCEDURE etl.load_curated") && strcontains(aws_redshiftdata_statement.load_procedure[0].sql, "IAM_ROLE default")
    error_message = "The SQL setup must create the load procedure that COPYs with the default role (RoleB)."
  }

  assert {
    condition     = aws_glue_crawler.input[0].s3_target[0].path == "s3://sales-input-111111111111/raw/" && aws_glue_job.transform[0].command[0].script_location == "s3://sales-staging-222222222222/scripts/transform.py"
    error_message = "The crawler must crawl the producer's input prefix; the job must run the uploaded script."
  }
}

run "airflow_connects_to_redshift_with_iam_not_a_password" {
  command = apply

  # Before: the connection secret had no value from Terraform; a script copied the admin password into it.
  assert {
    condition = jsondecode(aws_secretsmanager_secret_version.redshift_connection[0].secret_string) == {
      conn_type = "redshift"
      host      = "sales.222222222222.us-east-1.redshift-serverless.amazonaws.com"
      port      = 5439
      schema    = "dev"
      extra     = { iam = true, is_serverless = true, serverless_work_group = "sales", region = "us-east-1" }
    }
    error_message = "The Airflow Redshift connection must use IAM authentication (GetCredentials on the workgroup) and hold no login or password."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s.Resource if s.Sid == "RedshiftDataOnWorkgroup"]) == "arn:aws:redshift-serverless:us-east-1:222222222222:workgroup/11111111-2222-3333-4444-555555555555" && contains(one([for s in jsondecode(aws_iam_role_policy.mwaa[0].policy).Statement : s.Action if s.Sid == "RedshiftDataOnWorkgroup"]), "redshift-serverless:GetCredentials")
    error_message = "The MWAA role gets temporary database credentials for this workgroup only."
  }

  assert {
    condition     = aws_redshiftdata_statement.pipeline_user[0].sql == "CREATE USER \"IAMR:mwaa-prod\" PASSWORD DISABLE" && output.redshift_database_user == "IAMR:mwaa-prod"
    error_message = "The SQL bootstrap must create the IAM-mapped database user of the MWAA role, without a password."
  }

  assert {
    condition = toset([for k, st in aws_redshiftdata_statement.pipeline_grants : st.sql]) == toset([
      "GRANT USAGE ON SCHEMA etl TO \"IAMR:mwaa-prod\"",
      "GRANT EXECUTE ON PROCEDURE etl.load_curated(VARCHAR, VARCHAR), etl.clear_staging() TO \"IAMR:mwaa-prod\"",
      "REVOKE EXECUTE ON PROCEDURE etl.load_curated(VARCHAR, VARCHAR), etl.clear_staging() FROM PUBLIC",
      "GRANT SELECT ON TABLE etl.sales_daily TO \"IAMR:mwaa-prod\"",
    ])
    error_message = "The pipeline's database user may use the schema, run the two SECURITY DEFINER procedures and read the daily aggregate (UNLOAD): nothing else, and nothing for PUBLIC."
  }
}

