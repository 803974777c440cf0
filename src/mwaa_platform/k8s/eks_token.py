"""EKS bearer tokens: an STS GetCallerIdentity URL presigned with the cluster name in ``x-k8s-aws-id``.

EKS's authenticator calls the presigned URL; STS answers with the caller's ARN, which the access entry maps to
a Kubernetes identity. The token is ``k8s-aws-v1.`` + unpadded base64url(URL), the URL valid for 60 seconds
(``X-Amz-Expires=60``); EKS honours a token for 15 minutes from its signing time, so clients refresh after 14.
This is the same token ``aws eks get-token`` prints; it never leaves the process unless the CLI prints it.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3

from mwaa_platform import aws

TOKEN_PREFIX = "k8s-aws-v1."  # noqa: S105 a format prefix, not a secret
CLUSTER_ID_HEADER = "x-k8s-aws-id"
URL_EXPIRES_SECONDS = 60
TOKEN_LIFETIME = dt.timedelta(minutes=14)


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: dt.datetime

    def __repr__(self) -> str:  # the value is a credential: keep it out of logs and tracebacks
        return f"Token(expires_at={self.expires_at.isoformat()})"

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or dt.datetime.now(dt.UTC)) >= self.expires_at

    def exec_credential(self) -> dict[str, Any]:
        """The ExecCredential document kubectl's exec plugin reads (as ``aws eks get-token`` prints it)."""
        return {
            "kind": "ExecCredential",
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "spec": {},
            "status": {"expirationTimestamp": self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "token": self.value},
        }


def _sts_client(region: str | None, session: boto3.session.Session | None) -> Any:
    client = aws.client("sts", region, session=session)

    def keep_cluster_id(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # GetCallerIdentity takes no parameters: move ours out of the way of validation, into the context
        if CLUSTER_ID_HEADER in params:
            context[CLUSTER_ID_HEADER] = params.pop(CLUSTER_ID_HEADER)

    def add_cluster_header(request: Any, **_: Any) -> None:
        # before signing, so the header is one of X-Amz-SignedHeaders and STS checks it
        if CLUSTER_ID_HEADER in request.context:
            request.headers[CLUSTER_ID_HEADER] = request.context[CLUSTER_ID_HEADER]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", keep_cluster_id)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    return client


def presigned_url(cluster_name: str, region: str | None = None, session: boto3.session.Session | None = None) -> str:
    if not cluster_name:
        raise ValueError("cluster_name is required to make an EKS token")
    client = _sts_client(region, session)
    url: str = client.generate_presigned_url(
        "get_caller_identity",
        Params={CLUSTER_ID_HEADER: cluster_name},
        ExpiresIn=URL_EXPIRES_SECONDS,
        HttpMethod="GET",
    )
    return url


def get_token(cluster_name: str, region: str | None = None, session: boto3.session.Session | None = None,
              now: dt.datetime | None = None) -> Token:
    """A bearer token for ``cluster_name`` signed with the current (or given session's) credentials."""
    url = presigned_url(cluster_name, region, session)
    encoded = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    issued = now or dt.datetime.now(dt.UTC)
    return Token(TOKEN_PREFIX + encoded, issued + TOKEN_LIFETIME)


def decode(token: str) -> str:
    """The presigned URL inside a token (what EKS's authenticator calls); raises ValueError if malformed."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError(f"not an EKS token: missing {TOKEN_PREFIX!r} prefix")
    body = token[len(TOKEN_PREFIX):]
    try:
        url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not an EKS token: body is not base64url") from exc
    query = parse_qs(urlsplit(url).query)
    if query.get("Action") != ["GetCallerIdentity"]:
        raise ValueError("not an EKS token: the URL is not an STS GetCallerIdentity call")
    signed = query.get("X-Amz-SignedHeaders", [""])[0].split(";")
    if CLUSTER_ID_HEADER not in signed:
        raise ValueError(f"not an EKS token: {CLUSTER_ID_HEADER} is not a signed header")
    return url
