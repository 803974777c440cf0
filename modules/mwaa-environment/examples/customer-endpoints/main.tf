# CUSTOMER endpoint management, applied unattended: the endpoint automation (EventBridge rule + Lambda)
# exists before the environment, so when MWAA reports PENDING the Lambda creates the database and webserver
# endpoints in the VPC, admits the Celery queue into the SQS endpoint policy, and the apply completes.
# Build the Lambda first: python scripts/package_lambdas.py build/lambda --only endpoints
provider "aws" {}

variable "name" {
  description = "Name of the example environment and its network."
  type        = string
  default     = "mwaa-customer"
}

variable "lambda_zip_path" {
  description = "The endpoints Lambda zip (built into build/lambda/ by the Makefile)."
  type        = string
  default     = "../../../../build/lambda/endpoints.zip"
}

module "network" {
  source = "../../../network"

  name        = var.name
  vpc_cidr    = "10.62.0.0/20"
  egress_mode = "endpoints"
}

module "endpoint_automation" {
  source = "../../../endpoint-automation"

  name            = "${var.name}-endpoints"
  lambda_zip_path = var.lambda_zip_path
  allowed_vpc_ids = [module.network.vpc_id]
}

module "mwaa" {
  source = "../.."

  name                  = var.name
  environment_class     = "mw1.medium"
  webserver_access_mode = "PRIVATE_ONLY"
  endpoint_management   = "CUSTOMER"

  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids

  source_bucket = { force_destroy = true }

  tags = { example = "customer-endpoints" }

  # The automation must be listening before MWAA emits PENDING.
  depends_on = [module.endpoint_automation]
}
