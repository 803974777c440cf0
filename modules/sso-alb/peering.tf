# ----------------------------------------------------------------------------------------------------------
# VPC peering to private web servers
# ----------------------------------------------------------------------------------------------------------

data "aws_vpc" "this" {
  count = local.create && length(local.peer_routes) > 0 ? 1 : 0

  id = var.vpc_id
}

resource "aws_vpc_peering_connection" "private_webserver" {
  for_each = local.create ? var.vpc_peerings : {}

  vpc_id        = var.vpc_id
  peer_vpc_id   = each.value.peer_vpc_id
  peer_region   = each.value.peer_region
  peer_owner_id = each.value.peer_owner_id
  auto_accept   = each.value.peer_region == null && each.value.peer_owner_id == null
  tags          = merge(local.tags, { Name = "${var.name}-sso-${each.key}" })
}

resource "aws_route" "to_private_webserver" {
  for_each = local.create ? local.peering_routes : {}

  route_table_id            = each.value.route_table_id
  destination_cidr_block    = each.value.cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.private_webserver[each.value.peering].id
}

resource "aws_route" "from_private_webserver" {
  for_each = local.create ? local.peer_routes : {}

  route_table_id            = each.value.route_table_id
  destination_cidr_block    = data.aws_vpc.this[0].cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.private_webserver[each.value.peering].id
}
