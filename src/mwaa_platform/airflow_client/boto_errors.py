"""botocore errors -> the package's typed errors (MWAA control-plane calls shared by the MWAA transports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.airflow_client import errors

T = TypeVar("T")

AUTH_CODES = {"AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
              "ExpiredTokenException", "AccessDenied"}


def error_for(exc: ClientError, what: str) -> errors.AirflowApiError:
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = f"{what}: {code or 'error'}"
    if code in ("RestApiClientException", "RestApiServerException"):
        raw: Any = exc.response.get("RestApiStatusCode") or status or 500
        api_status = int(raw)
        return errors.for_status(api_status, f"{what} (InvokeRestApi)", exc.response.get("RestApiResponse"))
    if code in AUTH_CODES:
        return errors.AuthError(message, status)
    if code == "ResourceNotFoundException":
        return errors.EnvironmentNotFoundError(message, status)
    if code == "ValidationException":
        detail = errors.detail_of({"detail": exc.response.get("Error", {}).get("Message", "")})
        return errors.BadRequestError(f"{message}: {detail}", status)
    if code in ("ThrottlingException", "TooManyRequestsException") or (status or 0) >= 500:
        return errors.ServerError(message, status)
    return errors.AirflowApiError(message, status)


def call(fn: Callable[[], T], what: str) -> T:
    """Run one boto3 call (already retried by the client's standard mode) and map its failure."""
    try:
        return fn()
    except ClientError as exc:
        raise error_for(exc, what) from None
    except BotoCoreError as exc:
        raise errors.TransportError(f"{what}: {type(exc).__name__}") from None
