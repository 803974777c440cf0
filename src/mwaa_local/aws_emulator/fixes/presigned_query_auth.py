"""Gap: moto picks the service of a request from its Authorization header, so a presigned URL for anything but
S3 (credentials in the query string: X-Amz-Credential=<key>/<date>/<region>/<service>/aws4_request) lands in
the S3 backend. An EKS token is exactly such a URL (STS GetCallerIdentity), and calling it is how EKS's
authenticator learns who the caller is; moto answered with an S3 ListBuckets document. Fix: for a non-S3
presigned request without an Authorization header, present the query-string credential as the equivalent
SigV4 Authorization header, so moto routes it to the named service and identifies the caller by its key."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs


def authorization_from_query(query_string: str) -> str | None:
    """The SigV4 Authorization header equivalent to a presigned query string (None for S3 or no presign)."""
    query = parse_qs(query_string)
    credential = (query.get("X-Amz-Credential") or [""])[0]
    scope = credential.split("/")
    if len(scope) != 5 or scope[3] in ("s3", "s3-object-lambda") or scope[4] != "aws4_request":
        return None
    signed = (query.get("X-Amz-SignedHeaders") or ["host"])[0]
    signature = (query.get("X-Amz-Signature") or [""])[0]
    algorithm = (query.get("X-Amz-Algorithm") or ["AWS4-HMAC-SHA256"])[0]
    return f"{algorithm} Credential={credential}, SignedHeaders={signed}, Signature={signature}"


def wrap_wsgi(app: Any) -> Any:
    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("HTTP_AUTHORIZATION") and "X-Amz-Credential" in environ.get("QUERY_STRING", ""):
            header = authorization_from_query(environ["QUERY_STRING"])
            if header:
                environ["HTTP_AUTHORIZATION"] = header
        return app(environ, start_response)

    middleware.dispatcher = getattr(app, "dispatcher", app)  # type: ignore[attr-defined]
    return middleware
