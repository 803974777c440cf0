"""The version record the Terraform module's major-version guard reads (an SSM parameter per environment)."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from mwaa_platform import aws

_NAME = re.compile(r"^[A-Za-z][0-9A-Za-z_-]{0,79}$")


class RecordError(RuntimeError):
    """The environment cannot be read, is mid-change, or the record cannot be written."""


# modules/mwaa-environment's aws_ssm_parameter.airflow_version description (airflow_version.tf)
DESCRIPTION = "Airflow version of MWAA environment {environment}, read by the module's major-version guard."


def parameter_name(environment: str) -> str:
    """Where modules/mwaa-environment keeps the version (``local.version_parameter_name``)."""
    return f"/mwaa-platform/environments/{environment}/airflow-version"


def record(environment: str, region: str | None = None) -> str:
    """Write the environment's current Airflow version to its record; returns the version. Idempotent."""
    if not _NAME.match(environment):
        raise RecordError(f"not an MWAA environment name: {environment!r}")
    try:
        env = aws.client("mwaa", region).get_environment(Name=environment)["Environment"]
    except ClientError as exc:
        raise RecordError(f"cannot read environment {environment}: {exc.response['Error']['Message']}") from exc
    if env.get("Status") != "AVAILABLE":
        raise RecordError(f"environment {environment} is {env.get('Status')}: record its version once it is AVAILABLE")
    version = str(env["AirflowVersion"])
    ssm = aws.client("ssm", region)
    try:
        try:  # a new record (a blue-green successor) as modules/mwaa-environment writes it, so adoption plans clean
            tags = [{"Key": k, "Value": v} for k, v in sorted((env.get("Tags") or {}).items())]
            ssm.put_parameter(Name=parameter_name(environment), Value=version, Type="String",
                              Description=DESCRIPTION.format(environment=environment),
                              **({"Tags": tags} if tags else {}))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ParameterAlreadyExists":
                raise
            ssm.put_parameter(Name=parameter_name(environment), Value=version, Type="String", Overwrite=True)
    except ClientError as exc:
        raise RecordError(f"cannot write {parameter_name(environment)}: {exc.response['Error']['Message']}") from exc
    return version
