# ENV=local-participant: the platform stack as a shared-VPC participant (a second account in the emulator,
# reached with assume_role). It creates no VPC: MWAA's security group goes into the owner's shared VPC and
# the endpoint automation forwards this account's MWAA events to the owner's bus. The owner's ids are only
# known after `STACK=shared-network ENV=local` is applied; pass them as TF_VAR_shared_vpcs (see README).
environment      = "participant"
primary_region   = "us-east-1"
secondary_region = "us-west-2"
dr_mode          = "warm_standby"
assume_role_arn  = "arn:aws:iam::444455556666:role/mwaa-platform-terraform"

networks = {}

# DR for the shared-VPC variant is not wired yet (the DR stack builds on this account's own network).
dr = { enabled = false }

tags = { owner = "platform-team" }

mwaa = {
  airflow_version      = "2.10.3"
  environment_class    = "mw1.micro"
  endpoint_management  = "CUSTOMER"
  dags_source_dir      = "../../dags"
  force_destroy_bucket = true
}
