################################################################################
# Airflow versions: the offered list and the major-version guard
################################################################################

locals {
  # Generated from the project's version table (src/mwaa_platform/versions/table.json) by `make versions`.
  airflow_versions = jsondecode(file("${path.module}/airflow_versions.json"))
  airflow_major    = tonumber(split(".", var.airflow_version)[0])

  # The version this environment runs, as last recorded by Terraform or by the upgrade tooling
  # (`mwaa-platform versions record`), read at plan time: the provider cannot tell a plan what it replaces.
  version_parameter_path = "/mwaa-platform/environments/${local.environment_name}"
  version_parameter_name = "${local.version_parameter_path}/airflow-version"
  # values are sensitive in the provider's schema; this path holds only a version string
  recorded_versions = try(zipmap(
    data.aws_ssm_parameters_by_path.recorded_version[0].names,
    nonsensitive(data.aws_ssm_parameters_by_path.recorded_version[0].values),
  ), {})
  recorded_airflow_version = lookup(local.recorded_versions, local.version_parameter_name, null)
  recorded_airflow_major   = local.recorded_airflow_version == null ? null : tonumber(split(".", local.recorded_airflow_version)[0])
  # hashicorp/aws plans a higher major airflow_version as destroy-and-create (tests/local_mwaa/test_provider_version_change_plan.py)
  major_upgrade_replaces = local.recorded_airflow_major != null && try(local.recorded_airflow_major < local.airflow_major, false)
}

data "aws_ssm_parameters_by_path" "recorded_version" {
  count = var.create && var.create_environment ? 1 : 0

  path      = local.version_parameter_path
  recursive = false
}

resource "aws_ssm_parameter" "airflow_version" {
  #checkov:skip=CKV2_AWS_34:holds only the Airflow version (validated against the offered list), never a secret
  count = var.create && var.create_environment ? 1 : 0

  name        = local.version_parameter_name
  description = "Airflow version of MWAA environment ${local.environment_name}, read by the module's major-version guard."
  type        = "String"
  value       = aws_mwaa_environment.this[0].airflow_version
  tags        = local.tags
}
