"""Backoff: transient errors are retried with growing delays, then raised; others are raised at once."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from mwaa_platform.endpoints import retry


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "CreateVpcEndpoint")


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, value: str) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return value


def test_transient_errors_are_retried_with_growing_delays() -> None:
    sleeps: list[float] = []
    fn = Flaky([client_error("RequestLimitExceeded"), EndpointConnectionError(endpoint_url="http://x"),
                client_error("InternalError", 500)])
    assert retry.call("op", fn, "done", sleep=sleeps.append, attempts=4, base_delay=0.5) == "done"
    assert fn.calls == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_delay_is_capped() -> None:
    sleeps: list[float] = []
    fn = Flaky([client_error("Throttling")] * 5)
    assert retry.call("op", fn, "ok", sleep=sleeps.append, attempts=6, base_delay=1, max_delay=3) == "ok"
    assert sleeps == [1, 2, 3, 3, 3]


def test_gives_up_after_the_attempts_and_raises_the_last_error() -> None:
    sleeps: list[float] = []
    fn = Flaky([client_error("Throttling"), client_error("Throttling"), client_error("ServiceUnavailable", 503)])
    with pytest.raises(ClientError) as err:
        retry.call("op", fn, "never", sleep=sleeps.append, attempts=3)
    assert err.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert fn.calls == 3 and len(sleeps) == 2


@pytest.mark.parametrize("error", [client_error("InvalidParameter"), client_error("UnauthorizedOperation", 403),
                                   client_error("NotImplemented", 501), ValueError("bug")])
def test_permanent_errors_are_raised_at_once(error: Exception) -> None:
    sleeps: list[float] = []
    fn = Flaky([error])
    with pytest.raises(type(error)):
        retry.call("op", fn, "never", sleep=sleeps.append)
    assert fn.calls == 1 and sleeps == []
