# The network (VPC owner) account. Credentials come from the environment only: AWS_PROFILE for a real account,
# or AWS_ENDPOINT_URL + dummy credentials for the local emulator (ENV=local), where they land in its default
# account (the owner); participants reach their own accounts through assume_role in the platform stack.
provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
