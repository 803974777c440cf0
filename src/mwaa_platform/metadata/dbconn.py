"""Where the metadata database and the Fernet key come from, wherever the engine runs.

Resolution order (first hit wins) for the database:
1. an explicit URL (CLI ``--db-url``) or ``MWAA_PLATFORM_DB_URL``,
2. MWAA's own container variables ``MWAA__DB__POSTGRES_HOST/PORT/DB/SSLMODE`` with ``MWAA__DB__CREDENTIALS``
   (JSON username/password) or ``MWAA__DB__POSTGRES_USER/PASSWORD``: present in every MWAA container and
   left untouched by Airflow 3's task supervisor, which only blanks ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``,
3. ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` / ``AIRFLOW__CORE__SQL_ALCHEMY_CONN`` unless they hold Airflow 3's
   ``airflow-db-not-allowed:///`` placeholder,
4. Airflow's own configuration (``[database] sql_alchemy_conn``, incl. ``_cmd``/``_secret``) if Airflow is
   importable and not blocked.

The Fernet key: explicit, ``AIRFLOW__CORE__FERNET_KEY``, MWAA's ``MWAA__CORE__FERNET_KEY`` (JSON
``{"FernetKey": ...}``), then Airflow's configuration. Nothing here ever logs a password or a key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from mwaa_platform.metadata.errors import ConfigurationError

BLOCKED_MARKER = "airflow-db-not-allowed"
_SQLALCHEMY_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg", "postgresql+pg8000")
# libpq URI query parameters we pass through; SQLAlchemy-only options are dropped
_LIBPQ_PARAMS = {
    "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options", "application_name",
    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "target_session_attrs",
    "gssencmode", "sslcompression", "channel_binding",
}


def _mwaa_url(env: Mapping[str, str]) -> str | None:
    host = env.get("MWAA__DB__POSTGRES_HOST")
    if not host:
        return None
    if env.get("USE_IAM_CREDENTIALS", "").lower() == "true" and env.get("MWAA__DB__POSTGRES_SSLMODE") == "require":
        # RDS Proxy with IAM auth: the image's own provider mints the token (it is on MWAA's PYTHONPATH)
        try:
            from mwaa.config.rds_iam_credentials import RDSIAMCredentialProvider

            return str(RDSIAMCredentialProvider.create_db_connection_url())
        except ImportError as exc:
            raise ConfigurationError(
                "USE_IAM_CREDENTIALS=true but MWAA's RDS IAM credential provider is not importable; "
                "pass the database URL explicitly (--db-url)"
            ) from exc
    if "MWAA__DB__CREDENTIALS" in env:
        try:
            creds = json.loads(env["MWAA__DB__CREDENTIALS"])
            user, password = creds["username"], creds["password"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError("MWAA__DB__CREDENTIALS is not JSON with 'username' and 'password'") from exc
    else:
        user = env.get("MWAA__DB__POSTGRES_USER", "")
        password = env.get("MWAA__DB__POSTGRES_PASSWORD", "")
    port = env.get("MWAA__DB__POSTGRES_PORT", "5432")
    database = env.get("MWAA__DB__POSTGRES_DB", "AirflowMetadata")
    sslmode = env.get("MWAA__DB__POSTGRES_SSLMODE") or "require"
    return (f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{database}"
            f"?sslmode={sslmode}")


def _airflow_conf_url() -> str | None:
    try:
        from airflow.configuration import conf
    except Exception:
        return None
    try:
        value = conf.get("database", "sql_alchemy_conn")
    except Exception:
        return None
    return str(value) if value else None


def resolve_db_url(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The metadata database URL (SQLAlchemy or libpq form) from the first source that has one."""
    env = os.environ if env is None else env
    sources = (lambda: explicit, lambda: env.get("MWAA_PLATFORM_DB_URL"), lambda: _mwaa_url(env),
               lambda: env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
               lambda: env.get("AIRFLOW__CORE__SQL_ALCHEMY_CONN"), _airflow_conf_url)
    for source in sources:
        url = source()
        if url and BLOCKED_MARKER not in url:
            return url
    raise ConfigurationError(
        "no metadata database: pass --db-url, or set AIRFLOW__DATABASE__SQL_ALCHEMY_CONN "
        "(on MWAA the MWAA__DB__* variables are used automatically)"
    )


def to_libpq(url: str) -> str:
    """A libpq connection URI from a SQLAlchemy URL (``postgresql+psycopg2://...`` -> ``postgresql://...``)."""
    parts = urlsplit(url)
    if parts.scheme not in _SQLALCHEMY_SCHEMES:
        raise ConfigurationError(
            f"unsupported database URL scheme {parts.scheme!r}: the engine needs PostgreSQL (postgresql://...)"
        )
    query = "&".join(p for p in parts.query.split("&") if p and p.split("=", 1)[0] in _LIBPQ_PARAMS)
    return f"postgresql://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


def describe(url: str) -> str:
    """``host:port/db`` for messages: never the user or password."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port or 5432}{parts.path or '/'}"


def connect(url: str, application_name: str = "mwaa-platform-metadata", **kwargs: Any) -> Any:
    """A psycopg2 connection with bounded connect time and TCP keepalives (long COPY streams)."""
    import psycopg2

    params: dict[str, Any] = {
        "connect_timeout": 15, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
        "keepalives_count": 5, "application_name": application_name,
    }
    params.update(kwargs)
    try:
        return psycopg2.connect(to_libpq(url), **params)
    except psycopg2.OperationalError as exc:
        # libpq messages can echo the DSN in some versions: report host/db only
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(f"cannot connect to the metadata database {describe(url)}: {first}") from None


def resolve_fernet_key(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The environment's Fernet key(s), comma-separated as Airflow accepts them; None if none is configured."""
    env = os.environ if env is None else env
    if explicit:
        return explicit
    if env.get("AIRFLOW__CORE__FERNET_KEY"):
        return env["AIRFLOW__CORE__FERNET_KEY"]
    if env.get("MWAA__CORE__FERNET_KEY"):
        try:
            return str(json.loads(env["MWAA__CORE__FERNET_KEY"])["FernetKey"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError("MWAA__CORE__FERNET_KEY is not JSON with a 'FernetKey' field") from exc
    try:
        from airflow.configuration import conf

        value = conf.get("core", "fernet_key", fallback="")
    except Exception:
        return None
    return str(value) or None
