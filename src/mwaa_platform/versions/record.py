"""The version record the Terraform module's major-version guard reads (an SSM parameter per environment)."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from mwaa_platform import aws

_NAME = re.compile(r"^[A-Za-z][0-9A-Za-z_-]{0,79}$")


class RecordError(RuntimeError):
    """The environment cannot be read, is mid-change, or the record cannot be written."""


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
    try:
        aws.client("ssm", region).put_parameter(Name=parameter_name(environment), Value=version, Type="String",
                                                Overwrite=True)
    except ClientError as exc:
        raise RecordError(f"cannot write {parameter_name(environment)}: {exc.response['Error']['Message']}") from exc
    return version
