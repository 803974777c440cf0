# ----------------------------------------------------------------------------------------------------------
# Authorization table: principal (user:<id> | group:<name>) + environment -> Airflow role
# ----------------------------------------------------------------------------------------------------------

resource "aws_dynamodb_table" "authorizations" {
  count = local.create ? 1 : 0

  name                        = "${var.name}-sso-authorizations"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "principal"
  range_key                   = "environment"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "principal"
    type = "S"
  }

  attribute {
    name = "environment"
    type = "S"
  }

  global_secondary_index {
    name            = "by-environment"
    hash_key        = "environment"
    range_key       = "principal"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = local.tags
}

# ----------------------------------------------------------------------------------------------------------
# Access roles: one per Airflow role, allowed to create web login tokens for that role only
# ----------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "access_trust" {
  count = local.create ? 1 : 0

  statement {
    sid     = "OnlyTheAuthenticator"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [module.authenticator.role_arn]
    }
  }
}

resource "aws_iam_role" "access" {
  for_each = local.airflow_roles

  name                 = "${var.name}-airflow-${lower(each.key)}"
  description          = "Creates MWAA web login tokens as Airflow ${each.key} for SSO users (assumed by ${local.function_name} only)"
  assume_role_policy   = data.aws_iam_policy_document.access_trust[0].json
  max_session_duration = 3600
  tags                 = merge(local.tags, { "airflow-role" = each.key })
}

data "aws_iam_policy_document" "access" {
  for_each = local.airflow_roles

  statement {
    sid       = "WebLoginAs${each.key}"
    actions   = ["airflow:CreateWebLoginToken"]
    resources = local.login_resources[each.key]
  }
}

resource "aws_iam_role_policy" "access" {
  for_each = local.airflow_roles

  name   = "create-web-login-token"
  role   = aws_iam_role.access[each.key].id
  policy = data.aws_iam_policy_document.access[each.key].json
}
