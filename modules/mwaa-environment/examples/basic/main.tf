# An mw1.small environment with a private webserver, MWAA-managed endpoints, a requirements file and one DAG,
# in a two-AZ VPC from modules/network. The provider is configured by the environment only (AWS_REGION,
# credentials, and for the embedded default AWS_ENDPOINT_URL), so the same example runs against real AWS.
provider "aws" {}

variable "name" {
  description = "Name of the example environment and its network."
  type        = string
  default     = "mwaa-basic"
}

module "network" {
  source = "../../../network"

  name        = var.name
  vpc_cidr    = "10.60.0.0/20"
  egress_mode = "endpoints"
}

module "mwaa" {
  source = "../.."

  name              = var.name
  environment_class = "mw1.small"
  airflow_version   = "2.10.3"
  max_workers       = 4

  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  webserver_access_mode           = "PRIVATE_ONLY"
  weekly_maintenance_window_start = "SUN:03:30"

  source_bucket   = { force_destroy = true }
  dags_source_dir = "${path.module}/dags"
  requirements    = { source = "${path.module}/requirements.txt" }

  airflow_configuration_presets = {
    secrets_manager             = {}
    secrets_cache               = {}
    task_queued_timeout_seconds = 600
  }

  tags = { example = "basic" }
}
