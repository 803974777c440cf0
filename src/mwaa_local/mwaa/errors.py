"""The MWAA API's error shapes (botocore service model mwaa/2020-07-01), as the real service sends them.

rest-json errors carry the code in the ``x-amzn-ErrorType`` header and the members in the JSON body. The
status codes are the model's: note that both RestApi* exceptions are HTTP 400 with the Airflow status inside.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    code = "InternalServerException"
    status = 500
    message_member = "message"

    def __init__(self, message: str, **members: Any) -> None:
        super().__init__(message)
        self.message = message
        self.members = members

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {self.message_member: self.message} if self.message else {}
        body.update(self.members)
        return body


class ValidationException(ApiError):  # noqa: N818 named after the AWS error code
    code = "ValidationException"
    status = 400


class ResourceNotFoundException(ApiError):  # noqa: N818 named after the AWS error code
    code = "ResourceNotFoundException"
    status = 404


class AccessDeniedException(ApiError):  # noqa: N818 named after the AWS error code
    code = "AccessDeniedException"
    status = 403
    message_member = "Message"


class InternalServerException(ApiError):  # noqa: N818 named after the AWS error code
    code = "InternalServerException"
    status = 500


class ServiceUnavailableException(ApiError):  # noqa: N818 named after the AWS error code
    code = "ServiceUnavailableException"
    status = 503


class MissingAuthenticationTokenException(ApiError):  # noqa: N818 named after the AWS error code
    code = "MissingAuthenticationTokenException"
    status = 403
    message_member = "message"


class RestApiClientException(ApiError):  # noqa: N818 named after the AWS error code
    code = "RestApiClientException"
    status = 400

    def __init__(self, status_code: int, response: Any) -> None:
        super().__init__("", RestApiStatusCode=status_code, RestApiResponse=response)


class RestApiServerException(ApiError):  # noqa: N818 named after the AWS error code
    code = "RestApiServerException"
    status = 400

    def __init__(self, status_code: int, response: Any) -> None:
        super().__init__("", RestApiStatusCode=status_code, RestApiResponse=response)


def not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Environment named {name} not found.")


class ProvisionError(RuntimeError):
    """A CREATING / UPDATING step failed: ``code`` and ``message`` go to ``LastUpdate.Error``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
