"""Driving Airflow from code: one client over MWAA web-login sessions, InvokeRestApi and plain Airflow.

Modules stay importable without ``requests`` where a Lambda needs them (``dag_invokers``, ``handlers`` and
the shared ``airflow_client`` only use boto3); HTTP transports, the importer and the load test load their
dependencies on use.
"""

from mwaa_platform.airflow_client.errors import (
    AirflowApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

__all__ = [
    "AirflowApiError",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "ServerError",
    "TransportError",
    "WaitTimeoutError",
]
