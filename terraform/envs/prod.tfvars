# ENV=prod. Apply with: make apply-all ENV=prod  (primary first, then secondary)
environment      = "prod"
primary_region   = "us-east-1"
secondary_region = "us-west-2"
dr_mode          = "warm_standby"

networks = {
  "us-east-1" = { vpc_cidr = "10.150.0.0/16", az_count = 3, egress_mode = "nat", public_subnets = true, single_nat_gateway = false }
  "us-west-2" = { vpc_cidr = "10.160.0.0/16", az_count = 3, egress_mode = "nat", public_subnets = true, single_nat_gateway = false }
}

tags = { owner = "platform-team", cost-center = "data-platform" }

mwaa = {
  airflow_version   = "2.10.3"
  environment_class = "mw1.medium"
  max_workers       = 10
}

# SSO to the Airflow UI (terraform/platform/sso.tf): an internal ALB per region, reached over the VPN. To switch it
# on: request an ACM certificate in each region for your alias, register https://<alias>/oauth2/idpresponse with
# the IdP, store the client secret in Secrets Manager (replicated to the secondary) and replace the CHANGE-ME values.
# Grants afterwards: mwaa-platform sso grant --table <output sso.table_name> --group <group> -e prod -r Op
sso = {
  enabled = false
  certificate_arns = {
    "us-east-1" = "arn:aws:acm:us-east-1:111122223333:certificate/CHANGE-ME"
    "us-west-2" = "arn:aws:acm:us-west-2:111122223333:certificate/CHANGE-ME"
  }
  oidc = {
    issuer                 = "https://login.example.com"
    authorization_endpoint = "https://login.example.com/oauth2/v1/authorize"
    token_endpoint         = "https://login.example.com/oauth2/v1/token"
    user_info_endpoint     = "https://login.example.com/oauth2/v1/userinfo"
    client_id              = "airflow-prod"
    client_secret_arns = {
      "us-east-1" = "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow-sso-prod-CHANGE"
      "us-west-2" = "arn:aws:secretsmanager:us-west-2:111122223333:secret:airflow-sso-prod-CHANGE"
    }
    client_secret_json_key = "client_secret"
    scope                  = "openid email profile groups"
  }
  allowed_roles       = ["Op", "User", "Viewer"]
  ingress_cidr_blocks = ["10.0.0.0/8"] # where the VPN lands
}

# DAG invokers (terraform/platform/invokers.tf), primary only: schedules and S3 uploads start DAG runs.
dag_invokers = {
  enabled = false
  flows = {
    nightly_pipeline = { dag_id = "data_pipeline", schedule_expression = "cron(0 2 * * ? *)", timezone = "UTC" }
  }
}

# The cross-account data pipeline (terraform/platform/crossaccount.tf), primary only: raw data in the producer
# account, Glue and Redshift Serverless here. Needs a role Terraform may assume in the producer account.
cross_account_data = {
  enabled           = false
  producer_role_arn = "arn:aws:iam::111111111111:role/terraform-data-producer"
  input_prefix      = "sales/raw/"
  output_prefix     = "sales/unload/"
  redshift_network  = { vpc_cidr = "10.151.0.0/16" } # must overlap neither MWAA VPC
  redshift          = { base_capacity = 8 }
}
