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
