# A two-AZ VPC with no internet route at all: MWAA reaches AWS only through VPC endpoints.
# The provider is configured by the environment only, so the same example applies to real AWS unchanged.
provider "aws" {}

variable "name" {
  description = "Name prefix for the example's resources."
  type        = string
  default     = "mwaa-private"
}

module "network" {
  source = "../.."

  name     = var.name
  vpc_cidr = "10.41.0.0/20"
  az_count = 2

  egress_mode = "endpoints"

  # The MWAA-required set; sts and secretsmanager are left out to show the minimum.
  vpc_endpoints = ["s3", "sqs", "logs", "monitoring", "ecr.api", "ecr.dkr", "kms", "airflow.api", "airflow.env", "airflow.ops"]

  tags = {
    environment = "example"
  }
}
