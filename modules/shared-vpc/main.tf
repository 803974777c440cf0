################################################################################
# Resource share (owner side)
################################################################################

locals {
  subnet_arns = var.create ? var.subnet_arns : []
  principals  = var.create ? var.principals : []

  # arn:<partition>:ec2:<region>:<account>:subnet/<id>
  owner_account_id = try(split(":", var.subnet_arns[0])[4], null)
  region           = try(split(":", var.subnet_arns[0])[3], null)
  subnet_ids       = [for arn in var.subnet_arns : split("/", arn)[1]]
}

resource "aws_ram_resource_share" "this" {
  count = var.create ? 1 : 0

  name                      = var.name
  allow_external_principals = var.allow_external_principals
  permission_arns           = length(var.permission_arns) > 0 ? var.permission_arns : null

  tags = merge(var.tags, { Name = var.name, "mwaa-platform:module" = "shared-vpc" })
}

# Keyed by position: the ARNs are often unknown until the network is applied, the list length is not.
resource "aws_ram_resource_association" "subnet" {
  for_each = { for i, arn in local.subnet_arns : tostring(i) => arn }

  resource_share_arn = aws_ram_resource_share.this[0].arn
  resource_arn       = each.value
}

resource "aws_ram_principal_association" "this" {
  for_each = toset(local.principals)

  resource_share_arn = aws_ram_resource_share.this[0].arn
  principal          = each.value
}
