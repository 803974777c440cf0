# A three-AZ VPC with public subnets, one NAT gateway per AZ, every endpoint MWAA can use, and flow logs.
# The provider is configured by the environment only (AWS_REGION, AWS_PROFILE or AWS_ENDPOINT_URL for the
# local emulator), so the same example applies to real AWS unchanged.
provider "aws" {}

variable "name" {
  description = "Name prefix for the example's resources."
  type        = string
  default     = "mwaa-complete"
}

module "network" {
  source = "../.."

  name     = var.name
  vpc_cidr = "10.40.0.0/16"
  az_count = 3

  public_subnets     = true
  egress_mode        = "nat"
  single_nat_gateway = false

  vpc_endpoints = ["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "sts", "secretsmanager", "airflow.api", "airflow.env", "airflow.ops"]

  flow_logs = {
    retention_in_days        = 365
    traffic_type             = "ALL"
    max_aggregation_interval = 60
  }
  kms_key_deletion_window_in_days = 7

  tags = {
    environment = "example"
  }
}
