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
