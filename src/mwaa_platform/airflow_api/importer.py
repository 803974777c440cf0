"""Variables and connections from JSON/YAML files into Airflow, with secrets never echoed.

File formats are those of ``airflow variables export`` / ``airflow connections export``:
variables ``{key: value}`` (non-string values are stored as JSON); connections ``{conn_id: {conn_type,
host, login, password, schema, port, extra, description}}`` or ``{conn_id: "<airflow connection URI>"}``.
The whole file is validated before the first API call, so a malformed file changes nothing. Reports
name keys and outcomes only; server messages are scrubbed of every value from the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient

CONNECTION_FIELDS = {"conn_type", "description", "host", "login", "password", "schema", "port", "extra"}
MAX_KEY = 250


class ImportFileError(ValueError):
    """The file is unreadable or not in the expected shape (nothing was imported)."""


@dataclass
class ImportReport:
    kind: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        out = [f"{self.kind}: {len(self.created)} created, {len(self.updated)} updated, {len(self.failed)} failed"]
        out += [f"  created {k}" for k in self.created] + [f"  updated {k}" for k in self.updated]
        out += [f"  FAILED  {k}: {reason}" for k, reason in self.failed.items()]
        return out


def load_document(path: Path) -> Any:
    """Parse ``path`` as JSON (``.json``) or YAML (``.yaml``/``.yml``)."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path} is not UTF-8 text") from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:  # the message quotes no content, only positions
            raise ImportFileError(f"{path} is not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
        except RecursionError:
            raise ImportFileError(f"{path} nests too deeply") from None
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:  # its message can quote file content (secrets): keep the line only
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            raise ImportFileError(f"{path} is not valid YAML{line}") from None
        except RecursionError:
            raise ImportFileError(f"{path} nests too deeply") from None
    raise ImportFileError(f"{path}: use a .json, .yaml or .yml file")


def _check_key(kind: str, key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY or any(c.isspace() for c in key):
        raise ImportFileError(f"invalid {kind} {key!r}: a non-empty string without spaces, at most {MAX_KEY} chars")
    return key


def parse_variables(doc: Any) -> dict[str, str]:
    if not isinstance(doc, Mapping):
        raise ImportFileError("a variables file holds one mapping of key -> value")
    out: dict[str, str] = {}
    for key, value in doc.items():
        _check_key("variable key", key)
        if value is None:
            raise ImportFileError(f"variable {key}: null value (use an empty string)")
        try:
            out[key] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        except (TypeError, ValueError):  # YAML dates, binary, self-references: quote the value instead
            raise ImportFileError(f"variable {key}: a {type(value).__name__} value is not JSON; quote it") from None
    return out


def connection_from_uri(conn_id: str, uri: str) -> dict[str, Any]:
    """Airflow's connection URI form: ``type://login:password@host:port/schema?extra1=v1``."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # e.g. an unclosed IPv6 bracket; the message would quote the URI (and its password)
        raise ImportFileError(f"connection {conn_id}: not a valid connection URI") from None
    if not parts.scheme:
        raise ImportFileError(f"connection {conn_id}: not a connection URI (expected type://...)")
    conn: dict[str, Any] = {"conn_type": parts.scheme.replace("-", "_")}
    for name, value in (("host", parts.hostname), ("login", parts.username), ("password", parts.password)):
        if value:
            conn[name] = unquote(value)
    try:
        if parts.port:
            conn["port"] = parts.port
    except ValueError:
        raise ImportFileError(f"connection {conn_id}: invalid port in URI") from None
    if parts.path.strip("/"):
        conn["schema"] = unquote(parts.path.lstrip("/"))
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if "__extra__" in query:
        conn["extra"] = query["__extra__"]
    elif query:
        conn["extra"] = json.dumps(query, sort_keys=True)
    return conn


def parse_connections(doc: Any) -> dict[str, dict[str, Any]]:
    """conn_id -> API body (``connection_id`` plus Airflow's fields, ``extra`` as a JSON string)."""
    if not isinstance(doc, Mapping):
        raise ImportFileError("a connections file holds one mapping of conn_id -> fields or URI")
    out: dict[str, dict[str, Any]] = {}
    for conn_id, spec in doc.items():
        _check_key("connection id", conn_id)
        if isinstance(spec, str):
            fields = connection_from_uri(conn_id, spec)
        elif isinstance(spec, Mapping):
            unknown = sorted(set(spec) - CONNECTION_FIELDS - {"conn_id", "connection_id"})
            if unknown:
                raise ImportFileError(f"connection {conn_id}: unknown fields {unknown} "
                                      f"(allowed: {sorted(CONNECTION_FIELDS)})")
            fields = {k: v for k, v in spec.items() if k in CONNECTION_FIELDS and v is not None}
        else:
            raise ImportFileError(f"connection {conn_id}: give a mapping of fields or a URI string")
        if not isinstance(fields.get("conn_type"), str) or not fields["conn_type"]:
            raise ImportFileError(f"connection {conn_id}: conn_type is required")
        if "port" in fields:
            port = fields["port"]
            if isinstance(port, bool) or not isinstance(port, int | str) or not str(port).isdigit() \
                    or not 0 < int(port) < 65536:
                raise ImportFileError(f"connection {conn_id}: port must be an integer 1-65535")
            fields["port"] = int(port)
        if "extra" in fields and not isinstance(fields["extra"], str):
            fields["extra"] = json.dumps(fields["extra"], sort_keys=True)
        for name in ("host", "login", "password", "schema", "description"):
            if name in fields and not isinstance(fields[name], str):
                fields[name] = str(fields[name])
        out[conn_id] = {"connection_id": conn_id, **fields}
    return out


def _secrets_of(values: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for value in values.values():
        if isinstance(value, Mapping):
            found += _secrets_of(value)
        elif isinstance(value, str) and len(value) >= 3:
            found.append(value)
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _reason(exc: errors.AirflowApiError, secrets: list[str]) -> str:
    return redact(f"{type(exc).__name__}: {exc}", secrets)


def import_variables(client: AirflowClient, variables: Mapping[str, str]) -> ImportReport:
    report = ImportReport("variables")
    for key, value in variables.items():
        try:
            outcome = client.upsert_variable(key, value)
        except (errors.BadRequestError, errors.ConflictError) as exc:
            report.failed[key] = _reason(exc, _secrets_of({key: value}))
            continue
        (report.created if outcome == "created" else report.updated).append(key)
    return report


def import_connections(client: AirflowClient, connections: Mapping[str, Mapping[str, Any]]) -> ImportReport:
    report = ImportReport("connections")
    for conn_id, body in connections.items():
        try:
            outcome = client.upsert_connection(body)
        except (errors.BadRequestError, errors.ConflictError) as exc:
            values = {k: v for k, v in body.items() if k not in ("connection_id", "conn_type", "port")}
            report.failed[conn_id] = _reason(exc, _secrets_of(values))
            continue
        (report.created if outcome == "created" else report.updated).append(conn_id)
    return report
