# ENV=staging. Apply with: make apply-all ENV=staging  (primary first, then secondary)
environment      = "staging"
primary_region   = "us-east-1"
secondary_region = "us-west-2"
dr_mode          = "backup_restore"

networks = {
  "us-east-1" = { vpc_cidr = "10.130.0.0/16", az_count = 3, egress_mode = "nat", public_subnets = true, single_nat_gateway = true }
  "us-west-2" = { vpc_cidr = "10.140.0.0/16", az_count = 3, egress_mode = "nat", public_subnets = true, single_nat_gateway = true }
}

tags = { owner = "platform-team", cost-center = "data-platform" }

mwaa = {
  airflow_version   = "2.10.3"
  environment_class = "mw1.small"
  max_workers       = 4
}
