"""EKS tokens: the format `aws eks get-token` produces, and the presigned URL EKS's authenticator calls."""

from __future__ import annotations

import base64
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mwaa_platform.k8s import eks_token


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_token_is_prefixed_unpadded_base64url_of_a_presigned_get_caller_identity(dummy_credentials: None) -> None:
    token = eks_token.get_token("mwaa-pods", "eu-west-1")
    assert token.value.startswith("k8s-aws-v1.")
    body = token.value[len("k8s-aws-v1."):]
    assert "=" not in body and "+" not in body and "/" not in body
    url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    query = _query(url)
    assert urlsplit(url).hostname == "sts.eu-west-1.amazonaws.com"
    assert query["Action"] == ["GetCallerIdentity"]
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-SignedHeaders"][0].split(";") == ["host", "x-k8s-aws-id"]
    assert "/eu-west-1/sts/aws4_request" in query["X-Amz-Credential"][0]
    assert query["X-Amz-Credential"][0].startswith("AKIAIOSFODNN7EXAMPLE/")
    # the cluster name is signed as a header, never sent as a query parameter
    assert "x-k8s-aws-id" not in query and "mwaa-pods" not in url
    assert eks_token.decode(token.value) == url


def test_the_signature_covers_the_cluster_name(dummy_credentials: None) -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    one = eks_token.get_token("cluster-a", "us-east-1", now=now)
    other = eks_token.get_token("cluster-b", "us-east-1", now=now)
    sig = [_query(eks_token.decode(t.value))["X-Amz-Signature"][0] for t in (one, other)]
    assert sig[0] != sig[1]


def test_expiry_and_exec_credential(dummy_credentials: None) -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    token = eks_token.get_token("mwaa-pods", "us-east-1", now=now)
    assert token.expires_at == now + dt.timedelta(minutes=14)
    assert not token.expired(now + dt.timedelta(minutes=13))
    assert token.expired(now + dt.timedelta(minutes=14))
    cred = token.exec_credential()
    assert cred["kind"] == "ExecCredential" and cred["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert cred["status"] == {"expirationTimestamp": "2026-01-02T03:18:05Z", "token": token.value}


def test_repr_never_shows_the_token(dummy_credentials: None) -> None:
    token = eks_token.get_token("mwaa-pods", "us-east-1")
    assert token.value not in repr(token) and "k8s-aws-v1" not in str(token)


@pytest.mark.parametrize("bad", [
    "Bearer abc",
    "k8s-aws-v1.!!!",
    "k8s-aws-v1." + base64.urlsafe_b64encode(b"https://sts.amazonaws.com/?Action=AssumeRole").decode().rstrip("="),
    "k8s-aws-v1." + base64.urlsafe_b64encode(
        b"https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host").decode().rstrip("="),
])
def test_decode_rejects_what_is_not_an_eks_token(bad: str) -> None:
    with pytest.raises(ValueError, match="not an EKS token"):
        eks_token.decode(bad)


def test_empty_cluster_name_is_rejected(dummy_credentials: None) -> None:
    with pytest.raises(ValueError, match="cluster_name"):
        eks_token.get_token("", "us-east-1")


@pytest.mark.emulator
def test_sts_answers_the_presigned_url_with_the_callers_arn(aws_env: dict[str, str]) -> None:
    """What EKS's authenticator does with the token: GET the URL with x-k8s-aws-id, read the ARN."""
    url = eks_token.decode(eks_token.get_token("mwaa-pods", "us-east-1").value)
    assert url.startswith(aws_env["AWS_ENDPOINT_URL"])
    response = requests.get(url, headers={"x-k8s-aws-id": "mwaa-pods"}, timeout=10)
    assert response.status_code == 200
    arn = re.search(r"<Arn>([^<]+)</Arn>", response.text)
    assert arn and arn.group(1).startswith("arn:aws:")
