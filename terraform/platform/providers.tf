# Configured by variables and the environment only: AWS_PROFILE / credentials for real accounts, or
# AWS_ENDPOINT_URL + dummy credentials for the local emulator (ENV=local). No endpoint is hard-coded here.
provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
