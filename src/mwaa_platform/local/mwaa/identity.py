"""Who is calling, from the request's SigV4 ``Authorization`` header, and AWS clients that act as them.

The region comes from the credential scope. The account is what the emulator's STS says about the
caller's access key (moto maps assumed-role keys to their account; signatures are not verified locally),
so an environment created with a participant account's credentials lives in that account, and the
events, metrics and S3 reads it causes happen there too. Only access key ids are kept: emulator keys,
never real credentials (the local MWAA only talks to the emulator).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import boto3

from mwaa_platform import aws
from mwaa_platform.local.mwaa.errors import MissingAuthenticationTokenException

_SCOPE = re.compile(r"Credential=(?P<akid>[^/,\s]+)/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[^/]+)/aws4_request")
_DUMMY_SECRET = "local-mwaa"  # noqa: S105 the emulator does not verify signatures


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    region: str
    account: str
    arn: str

    @property
    def iam_identity(self) -> str:
        """``assumed-role/Admin/session`` or ``user/name``: the resource part of the caller's ARN."""
        return self.arn.split(":", 5)[-1] if self.arn.count(":") >= 5 else self.arn


def session(access_key_id: str, region: str) -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id=access_key_id, aws_secret_access_key=_DUMMY_SECRET,
                                 region_name=region)


def client(service: str, access_key_id: str, region: str, **overrides: Any) -> Any:
    """A client to the emulator (AWS_ENDPOINT_URL of this process) acting as ``access_key_id``."""
    return aws.client(service, region, session=session(access_key_id, region), **overrides)


class Resolver:
    """Caches access key -> (account, arn) so that each request does not call STS."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def caller(self, headers: Any) -> Caller:
        auth = headers.get("Authorization") or ""
        match = _SCOPE.search(auth)
        if not match:
            raise MissingAuthenticationTokenException(
                "Missing Authentication Token: sign the request with SigV4 (boto3 / the AWS SDKs do)."
            )
        akid, region = match["akid"], match["region"]
        with self._lock:
            known = self._cache.get(akid)
        if known is None:
            ident = client("sts", akid, region).get_caller_identity()
            known = (ident["Account"], ident["Arn"])
            with self._lock:
                self._cache[akid] = known
        return Caller(akid, region, known[0], known[1])
