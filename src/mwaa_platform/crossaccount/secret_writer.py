"""Write the Redshift connection URI into the Airflow connection secret, idempotently.

Reads the Redshift-managed admin secret, builds the URI, and puts it as a new version of the connection
secret only when it differs from the current one. Returns what happened; never the password.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_platform import aws
from mwaa_platform.crossaccount.connection import (
    InputError,
    connection_uri,
    credentials_from_secret,
    redacted,
    target_from_outputs,
)


@dataclass(frozen=True)
class Result:
    secret_arn: str
    changed: bool
    version_id: str | None
    uri_redacted: str


def _current_value(client: Any, secret_arn: str) -> str | None:
    try:
        return str(client.get_secret_value(SecretId=secret_arn)["SecretString"])
    except client.exceptions.ResourceNotFoundException as exc:
        # Also raised when the secret exists without any version yet (Terraform creates it empty).
        if "version" in str(exc).lower() or "AWSCURRENT" in str(exc):
            return None
        raise InputError(f"connection secret {secret_arn} does not exist: apply the stack first") from None


def write_connection_secret(outputs: Mapping[str, Any], client: Any = None) -> Result:
    """Validate outputs, read the admin secret, write the URI if it changed. No side effect on bad input."""
    target = target_from_outputs(outputs)
    sm = client or aws.client("secretsmanager", region=target.admin_secret_arn.split(":")[3])
    try:
        admin = sm.get_secret_value(SecretId=target.admin_secret_arn)["SecretString"]
    except sm.exceptions.ResourceNotFoundException:
        raise InputError(f"admin secret {target.admin_secret_arn} not found (is the namespace created with "
                         "manage_admin_password = true?)") from None
    username, password = credentials_from_secret(admin)
    uri = connection_uri(target, username, password)
    if _current_value(sm, target.connection_secret_arn) == uri:
        return Result(target.connection_secret_arn, False, None, redacted(uri))
    response = sm.put_secret_value(SecretId=target.connection_secret_arn, SecretString=uri)
    return Result(target.connection_secret_arn, True, response.get("VersionId"), redacted(uri))


def load_outputs(text: str) -> Mapping[str, Any]:
    try:
        outputs = json.loads(text)
    except ValueError:
        raise InputError("the outputs file is not JSON: pass the output of `terraform output -json`") from None
    if not isinstance(outputs, Mapping):
        raise InputError("the outputs file must hold a JSON object (the output of `terraform output -json`)")
    return outputs
