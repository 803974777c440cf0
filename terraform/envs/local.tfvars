# ENV=local: the embedded default (local AWS emulator + local MWAA). Only values differ from the real envs.
environment      = "local"
primary_region   = "us-east-1"
secondary_region = "us-west-2"
dr_mode          = "warm_standby"

networks = {
  "us-east-1" = { vpc_cidr = "10.10.0.0/16", az_count = 2, egress_mode = "endpoints", flow_log_retention_days = 30 }
  "us-west-2" = { vpc_cidr = "10.20.0.0/16", az_count = 2, egress_mode = "endpoints", flow_log_retention_days = 30 }
}

tags = { owner = "platform-team" }

# A small real Airflow per region (the local MWAA runs it); CUSTOMER endpoints exercise the automation Lambda.
mwaa = {
  airflow_version      = "2.10.3"
  environment_class    = "mw1.micro"
  endpoint_management  = "CUSTOMER"
  dags_source_dir      = "../../dags"
  force_destroy_bucket = true
}

eks = {
  enabled       = true
  desired_nodes = 1
  service_account_roles = {
    s3-reader = {
      namespace       = "airflow-pods"
      service_account = "s3-reader"
      policy_statements = [
        { sid = "ListPlatformBuckets", actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::mwaa-local-*"] },
      ]
    }
  }
}

# Multi-region DR (terraform/platform/dr.tf). ENV=local only: destroy empties the replicated and access-log
# buckets and may delete the failover state table (real envs keep both protections on: the defaults).
dr = {
  force_destroy       = true
  deletion_protection = false
}

# SSO to the Airflow UI (terraform/platform/sso.tf): an internal ALB per region with the authenticator Lambda and
# its grants table. The emulator has no IdP and does not look IAM server certificates up, so the certificate is a
# name and the client secret a placeholder; the ALB's own OIDC round-trip is not emulated.
sso = {
  enabled = true
  certificate_arns = {
    "us-east-1" = "arn:aws:iam::123456789012:server-certificate/mwaa-local-sso"
    "us-west-2" = "arn:aws:iam::123456789012:server-certificate/mwaa-local-sso"
  }
  oidc = {
    issuer                 = "https://login.example.com"
    authorization_endpoint = "https://login.example.com/oauth2/v1/authorize"
    token_endpoint         = "https://login.example.com/oauth2/v1/token"
    user_info_endpoint     = "https://login.example.com/oauth2/v1/userinfo"
    client_id              = "airflow-sso"
  }
  log_retention_days  = 30
  deletion_protection = false
  force_destroy_logs  = true
}
sso_oidc_client_secret = "local-emulator-placeholder"

# DAG invokers (terraform/platform/invokers.tf), primary only: a daily flow into the local Airflow.
dag_invokers = {
  enabled = true
  flows = {
    nightly_setup_teardown = { dag_id = "example_setup_teardown", schedule_expression = "cron(0 3 * * ? *)" }
  }
  log_retention_in_days = 30
}

# The cross-account data pipeline (terraform/platform/crossaccount.tf), primary only. Account A is the emulator's
# 111111111111 (moto puts an assumed role's resources into the account its ARN names); Redshift Serverless is off
# because the emulator has none: buckets, keys, roles, Glue, the Redshift VPC, peering and the Airflow secrets apply.
cross_account_data = {
  enabled                        = true
  producer_role_arn              = "arn:aws:iam::111111111111:role/terraform-data-producer"
  enable_redshift_serverless     = false
  input_prefix                   = "sales/raw/"
  output_prefix                  = "sales/unload/"
  redshift_network               = { vpc_cidr = "10.30.0.0/16", flow_log_retention_days = 30 }
  force_destroy                  = true
  secret_recovery_window_in_days = 0
}
