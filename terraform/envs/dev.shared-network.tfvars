# ENV=dev, STACK=shared-network: run with the network (VPC owner) account's credentials.
#   make apply STACK=shared-network ENV=dev REGION=us-east-1
environment = "dev"

networks = {
  "us-east-1" = { vpc_cidr = "10.130.0.0/16", az_count = 3, egress_mode = "nat", public_subnets = true, single_nat_gateway = true }
  "us-west-2" = { vpc_cidr = "10.140.0.0/16", az_count = 3, egress_mode = "nat", public_subnets = true, single_nat_gateway = true }
}

# The workload accounts that run MWAA in the shared subnets (CHANGE-ME: your participant account ids).
participants = {
  account_ids = ["444455556666"]
}

tags = { owner = "network-team", cost-center = "data-platform" }
