# sso (terraform test, mocked provider): off by default; on, an ALB per region wired to this stack's environment
# name, VPC and subnets (the backup_restore secondary's recovery kit included); bad settings fail at plan.

mock_provider "aws" {
  source = "./tests/mocks"

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_data "aws_secretsmanager_secret_version" {
    defaults = { secret_string = "{\"client_secret\":\"not-a-real-secret\"}" }
  }
}

mock_provider "aws" {
  alias  = "dr_primary"
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "dr_secondary"
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "data_producer"
  source = "./tests/mocks"
}

variables {
  environment      = "prod"
  region           = "us-east-1"
  primary_region   = "us-east-1"
  secondary_region = "us-west-2"
  networks = {
    "us-east-1" = { vpc_cidr = "10.10.0.0/16" }
    "us-west-2" = { vpc_cidr = "10.20.0.0/16" }
  }
  dr   = { enabled = false }
  eks  = { enabled = false }
  mwaa = { enabled = true, environment_class = "mw1.micro", endpoint_management = "CUSTOMER" }
  # committed fixture zips: the test does not depend on `make package` having run
  lambda_zip_dir = "tests/fixtures"
}

run "sso_is_off_by_default" {
  command = plan

  assert {
    condition     = output.sso == null && module.sso.table_name == null && module.sso.function_name == null
    error_message = "without sso.enabled nothing of modules/sso-alb may be planned and the output must be null"
  }
}

run "sso_on_opens_this_stacks_environment" {
  command = plan

  variables {
    sso = {
      enabled          = true
      certificate_arns = { "us-east-1" = "arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555", "us-west-2" = "arn:aws:acm:us-west-2:111122223333:certificate/11111111-2222-3333-4444-555555555555" }
      oidc = {
        issuer                 = "https://login.example.com"
        authorization_endpoint = "https://login.example.com/oauth2/v1/authorize"
        token_endpoint         = "https://login.example.com/oauth2/v1/token"
        user_info_endpoint     = "https://login.example.com/oauth2/v1/userinfo"
        client_id              = "airflow-sso"
        client_secret_arns = {
          "us-east-1" = "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow-sso-AbCdEf"
          "us-west-2" = "arn:aws:secretsmanager:us-west-2:111122223333:secret:airflow-sso-AbCdEf"
        }
        client_secret_json_key = "client_secret"
      }
      allowed_roles = ["Op", "Viewer"]
      host_headers  = { "us-east-1" = ["airflow.example.com"] }
    }
  }

  assert {
    condition     = local.sso_enabled && module.sso.table_name == "prod-pri-sso-authorizations" && output.sso.table_name == "prod-pri-sso-authorizations"
    error_message = "the primary's SSO must be planned under the short per-region name prod-pri"
  }
  assert {
    condition     = module.sso.function_name == "prod-pri-authenticator"
    error_message = "the authenticator Lambda must be planned"
  }
  assert {
    condition     = local.sso_ingress == tolist(["10.10.0.0/16"]) && length(local.sso_subnet_ids) == 2
    error_message = "an internal ALB in the environment's private subnets, open to the VPC's CIDR when ingress_cidr_blocks is empty"
  }
}

run "sso_in_the_backup_restore_secondary_serves_the_environment_a_failover_creates" {
  command = plan


  variables {
    region  = "us-west-2"
    dr_mode = "backup_restore"
    dr      = { enabled = true }
    sso = {
      enabled             = true
      certificate_arns    = { "us-east-1" = "arn:aws:iam::111122223333:server-certificate/airflow", "us-west-2" = "arn:aws:iam::111122223333:server-certificate/airflow" }
      oidc                = { issuer = "https://login.example.com", authorization_endpoint = "https://login.example.com/a", token_endpoint = "https://login.example.com/t", user_info_endpoint = "https://login.example.com/u", client_id = "airflow-sso" }
      ingress_cidr_blocks = ["10.0.0.0/8"]
    }
    sso_oidc_client_secret = "not-a-real-secret"
  }

  assert {
    condition     = module.mwaa.name == null && local.mwaa_kit && module.sso.table_name == "prod-sec-sso-authorizations"
    error_message = "the secondary holds only the recovery kit, and its SSO must be ready for the environment a failover creates"
  }
  assert {
    condition     = local.sso_ingress == tolist(["10.0.0.0/8"])
    error_message = "explicit ingress_cidr_blocks must be passed as given"
  }
}

run "sso_without_an_environment_is_refused" {
  command = plan

  variables {
    mwaa = { enabled = false }
    sso = {
      enabled          = true
      certificate_arns = { "us-east-1" = "arn:aws:iam::111122223333:server-certificate/a", "us-west-2" = "arn:aws:iam::111122223333:server-certificate/a" }
      oidc             = { issuer = "https://i.example.com", authorization_endpoint = "https://i.example.com/a", token_endpoint = "https://i.example.com/t", user_info_endpoint = "https://i.example.com/u", client_id = "c" }
    }
    sso_oidc_client_secret = "x"
  }

  expect_failures = [var.sso]
}

run "sso_needs_a_certificate_in_each_region" {
  command = plan

  variables {
    sso = {
      enabled          = true
      certificate_arns = { "us-east-1" = "arn:aws:acm:us-east-1:111122223333:certificate/1" }
      oidc             = { issuer = "https://i.example.com", authorization_endpoint = "https://i.example.com/a", token_endpoint = "https://i.example.com/t", user_info_endpoint = "https://i.example.com/u", client_id = "c" }
    }
    sso_oidc_client_secret = "x"
  }

  expect_failures = [var.sso]
}

run "sso_refuses_a_certificate_of_another_region" {
  command = plan

  variables {
    sso = {
      enabled          = true
      certificate_arns = { "us-east-1" = "arn:aws:acm:us-west-2:111122223333:certificate/1", "us-west-2" = "arn:aws:acm:us-west-2:111122223333:certificate/1" }
      oidc             = { issuer = "https://i.example.com", authorization_endpoint = "https://i.example.com/a", token_endpoint = "https://i.example.com/t", user_info_endpoint = "https://i.example.com/u", client_id = "c" }
    }
    sso_oidc_client_secret = "x"
  }

  expect_failures = [var.sso]
}

run "sso_needs_exactly_one_client_secret_source" {
  command = plan

  variables {
    sso = {
      enabled          = true
      certificate_arns = { "us-east-1" = "arn:aws:acm:us-east-1:111122223333:certificate/1", "us-west-2" = "arn:aws:acm:us-west-2:111122223333:certificate/1" }
      oidc             = { issuer = "https://i.example.com", authorization_endpoint = "https://i.example.com/a", token_endpoint = "https://i.example.com/t", user_info_endpoint = "https://i.example.com/u", client_id = "c" }
    }
  }

  expect_failures = [var.sso_oidc_client_secret]
}
