# The smallest environment MWAA offers: mw1.micro runs exactly one scheduler, one worker and one webserver,
# which the module fills in from the class table. Public webserver, AWS owned encryption keys.
provider "aws" {}

variable "name" {
  description = "Name of the example environment and its network."
  type        = string
  default     = "mwaa-micro"
}

module "network" {
  source = "../../../network"

  name        = var.name
  vpc_cidr    = "10.61.0.0/20"
  egress_mode = "endpoints"
}

module "mwaa" {
  source = "../.."

  name                  = var.name
  environment_class     = "mw1.micro"
  airflow_version       = "3.0.6"
  webserver_access_mode = "PUBLIC_ONLY"

  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids

  source_bucket = { force_destroy = true }
  logging       = { task = { level = "INFO" }, scheduler = { level = "ERROR" } }

  tags = { example = "micro" }
}
