"""Gap: moto stores CreateVpcEndpoint's ClientToken but ignores it, so two calls with the same token (a retried
or concurrently redelivered request) create two endpoints where AWS creates one. The emulator also runs
asynchronous Lambda invocations in parallel (no reserved-concurrency queue), which makes that race real here.
Fix: the idempotency AWS documents: a repeated ClientToken in the same account and region returns the endpoint
the first call created (unless it was deleted since); the same token with another VPC or service answers
IdempotentParameterMismatch. Creation is serialised per backend so the check and the create are atomic."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()


def apply() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.vpcs import VPCBackend

    original = VPCBackend.create_vpc_endpoint
    if getattr(original, "_mwaa_platform_fixed", False):
        return

    def create_vpc_endpoint(self: Any, vpc_id: str, service_name: str, *args: Any, **kwargs: Any) -> Any:
        token = kwargs.get("client_token")
        with _lock:
            if token:
                for endpoint in self.vpc_end_points.values():
                    if endpoint.client_token != token or endpoint.state == "deleted":
                        continue
                    if (endpoint.vpc_id, endpoint.service_name) != (vpc_id, service_name):
                        raise EC2ClientError(
                            "IdempotentParameterMismatch",
                            f"The client token {token} was already used with different parameters.",
                        )
                    return endpoint
            return original(self, vpc_id, service_name, *args, **kwargs)

    create_vpc_endpoint._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    VPCBackend.create_vpc_endpoint = create_vpc_endpoint  # type: ignore[method-assign]
