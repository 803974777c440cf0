################################################################################
# The account, Region and partition a module works in, looked up in one place. create = false looks nothing up,
# and the outputs fall back to values that keep a disabled module's ARNs well-formed ("aws", empty account and
# Region).
################################################################################

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

data "aws_region" "current" {
  count = var.create ? 1 : 0
}

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}
