# Configured by variables and the environment only: AWS_PROFILE / credentials for real accounts, or
# AWS_ENDPOINT_URL + dummy credentials for the local emulator (ENV=local). No endpoint is hard-coded here.
provider "aws" {
  region = var.region

  # A shared-VPC participant (or any other target account): state stays with the caller, resources go there.
  dynamic "assume_role" {
    for_each = var.assume_role_arn == null ? [] : [var.assume_role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "mwaa-platform-${var.environment}"
    }
  }

  default_tags {
    tags = local.tags
  }
}
