terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Partial configuration: bucket/region/locking come from terraform/envs/<ENV>.backend.hcl and the key from
  # scripts/tf.sh (<stack>/terraform.tfstate); each region is a workspace (env:/<region>/...).
  backend "s3" {}
}
