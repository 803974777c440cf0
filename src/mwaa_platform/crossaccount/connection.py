"""The Airflow connection URI for Redshift Serverless, built from Terraform outputs and the Redshift-managed
admin secret. Nothing here logs or returns the password except inside the URI it builds."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,126}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")


class InputError(ValueError):
    """Malformed input (outputs or secret); the message never contains a password."""


@dataclass(frozen=True)
class Target:
    """What the script needs from `terraform output -json` of a stack using modules/cross-account-data."""

    host: str
    port: int
    database: str
    admin_secret_arn: str
    connection_secret_arn: str

    def __post_init__(self) -> None:
        if not _HOST.match(self.host):
            raise InputError(f"redshift_endpoint.address is not a host name: {self.host!r}")
        if not 1 <= self.port <= 65535:
            raise InputError(f"redshift_endpoint.port is not a TCP port: {self.port!r}")
        if not _IDENT.match(self.database):
            raise InputError(f"redshift_database_name is not a database name: {self.database!r}")
        for name, arn in (("redshift_admin_secret_arn", self.admin_secret_arn),
                          ("redshift_connection_secret_arn", self.connection_secret_arn)):
            if not _SECRET_ARN.match(arn):
                raise InputError(f"{name} is not a Secrets Manager ARN: {arn!r}")


def _value(outputs: Mapping[str, Any], name: str) -> Any:
    """`terraform output -json` wraps each value as {"value": ..., "type": ..., "sensitive": ...}."""
    if name not in outputs:
        raise InputError(f"terraform output {name!r} is missing (is this a stack using modules/cross-account-data?)")
    item = outputs[name]
    return item.get("value") if isinstance(item, Mapping) and "value" in item else item


def target_from_outputs(outputs: Mapping[str, Any]) -> Target:
    """Validate the outputs and pick what the connection needs; raise InputError with the fix in the message."""
    if not isinstance(outputs, Mapping):
        raise InputError("terraform outputs must be a JSON object (the output of `terraform output -json`)")
    endpoint = _value(outputs, "redshift_endpoint")
    if endpoint is None:
        raise InputError("redshift_endpoint is null: Redshift Serverless is disabled in this stack "
                         "(enable_redshift_serverless = false, e.g. ENV=local); there is no connection to write")
    if not isinstance(endpoint, Mapping) or "address" not in endpoint or "port" not in endpoint:
        raise InputError("redshift_endpoint must be an object with address and port")
    try:
        port = int(endpoint["port"])
    except (TypeError, ValueError):
        raise InputError(f"redshift_endpoint.port is not a number: {endpoint['port']!r}") from None
    fields = {name: _value(outputs, name) for name in
              ("redshift_database_name", "redshift_admin_secret_arn", "redshift_connection_secret_arn")}
    for name, value in fields.items():
        if not isinstance(value, str) or not value:
            raise InputError(f"terraform output {name} must be a non-empty string")
    return Target(
        host=str(endpoint["address"]),
        port=port,
        database=fields["redshift_database_name"],
        admin_secret_arn=fields["redshift_admin_secret_arn"],
        connection_secret_arn=fields["redshift_connection_secret_arn"],
    )


def credentials_from_secret(secret_string: str) -> tuple[str, str]:
    """(username, password) from the Redshift-managed admin secret (JSON with username and password)."""
    try:
        doc = json.loads(secret_string)
    except (TypeError, ValueError):
        raise InputError("the admin secret is not JSON (expected the Redshift-managed {username, password})") from None
    if not isinstance(doc, Mapping):
        raise InputError("the admin secret must be a JSON object with username and password")
    username, password = doc.get("username"), doc.get("password")
    if not isinstance(username, str) or not _IDENT.match(username):
        raise InputError("the admin secret has no valid 'username'")
    if not isinstance(password, str) or not password:
        raise InputError("the admin secret has no 'password'")
    return username, password


def connection_uri(target: Target, username: str, password: str) -> str:
    """``redshift://user:pass@host:port/db`` with every part percent-encoded, as Airflow parses it."""
    return (f"redshift://{quote(username, safe='')}:{quote(password, safe='')}"
            f"@{target.host}:{target.port}/{quote(target.database, safe='')}")


def redacted(uri: str) -> str:
    """The URI with its password replaced, safe to print."""
    return re.sub(r"^(redshift://[^:/@]*:)[^@]*(@)", r"\1***\2", uri)
