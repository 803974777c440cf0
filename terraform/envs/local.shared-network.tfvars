# ENV=local, STACK=shared-network: the VPC owner (network account) of the shared-VPC variant, in the emulator's
# default account. Participants are other account ids that the platform stack reaches with assume_role.
environment = "local"

networks = {
  "us-east-1" = { vpc_cidr = "10.30.0.0/16", az_count = 2, egress_mode = "endpoints", flow_log_retention_days = 30 }
  "us-west-2" = { vpc_cidr = "10.40.0.0/16", az_count = 2, egress_mode = "endpoints", flow_log_retention_days = 30 }
}

participants = {
  account_ids = ["444455556666"]
}

tags = { owner = "network-team" }
