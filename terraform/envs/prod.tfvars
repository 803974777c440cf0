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
