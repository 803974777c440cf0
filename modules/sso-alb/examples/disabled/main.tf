# create = false: the module plans nothing and every output is null (how a root turns SSO off per region).

provider "aws" {
  region = "us-east-1"
}

module "sso_alb" {
  source = "../.."

  create = false
  name   = "sso-off"
}

output "alb_arn" {
  description = "null: nothing is created."
  value       = module.sso_alb.alb_arn
}

output "login_urls" {
  description = "null: nothing is created."
  value       = module.sso_alb.login_urls
}
