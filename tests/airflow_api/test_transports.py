"""Transports without Airflow: retries and their bounds, typed errors, login flows, secrets kept out of logs.

HTTP behaviour is exercised against a scripted server on 127.0.0.1 (stub_http); the MWAA control plane
(CreateWebLoginToken, InvokeRestApi, GetEnvironment) through botocore's Stubber, which also proves the
exact request each transport sends.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs

import pytest
from botocore.stub import Stubber
from stub_http import Reply, Seen, stub

from mwaa_local import ports
from mwaa_platform.airflow_api.hosts import base_url
from mwaa_platform.airflow_api.http import RetryPolicy
from mwaa_platform.airflow_api.mwaa_web import MwaaWebLoginTransport
from mwaa_platform.airflow_api.plain_airflow import DirectTransport
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient
from mwaa_platform.airflow_client.invoke_rest_api import InvokeRestApiTransport

FAST = RetryPolicy(retries=3, backoff=0.01, backoff_max=0.2, connect_timeout=1, read_timeout=5)
EMPTY = {"dags": [], "total_entries": 0}


@pytest.fixture(autouse=True)
def dummy_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


# hosts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("host", "url"), [
    ("abc.c10.us-east-1.airflow.amazonaws.com", "https://abc.c10.us-east-1.airflow.amazonaws.com"),
    ("https://abc.example.com/", "https://abc.example.com"),
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
])
def test_base_url(host: str, url: str) -> None:
    assert base_url(host) == url


@pytest.mark.parametrize("host", ["http://abc.example.com", "ftp://127.0.0.1", "https://h.example.com/api", ""])
def test_base_url_rejects(host: str) -> None:
    with pytest.raises(ValueError):
        base_url(host)


# retries -----------------------------------------------------------------------------------------
def test_retries_5xx_with_backoff_then_succeeds() -> None:
    with stub(lambda req, i: Reply(503) if i < 2 else Reply(200, EMPTY)) as srv:
        client = AirflowClient(DirectTransport(srv.url, "u", "p", "v1", FAST))
        assert client.list_dags() == []
    assert srv.paths() == ["GET /api/v1/dags?limit=100&offset=0"] * 3


def test_retry_after_is_capped() -> None:
    with stub(lambda req, i: Reply(429, {"detail": "slow down"}, {"Retry-After": "120"}) if i == 0
              else Reply(200, EMPTY)) as srv:
        started = time.monotonic()
        AirflowClient(DirectTransport(srv.url, "u", "p", "v1", FAST)).list_dags()
        assert time.monotonic() - started < 5
    assert len(srv.seen) == 2


def test_persistent_5xx_is_server_error_after_bounded_attempts() -> None:
    failing = stub(lambda req, i: Reply(500, {"title": "Internal Server Error"}))
    with failing as srv, pytest.raises(errors.ServerError) as caught:
        DirectTransport(srv.url, "u", "p", "v1", FAST).request("GET", "/dags")
    assert caught.value.status == 500
    assert len(srv.seen) == FAST.retries + 1


def test_server_down_is_transport_error_quickly() -> None:
    port = ports.free_port()  # nothing listens here
    started = time.monotonic()
    with pytest.raises(errors.TransportError, match="cannot reach"):
        DirectTransport(f"http://127.0.0.1:{port}", "u", "p", "v1", FAST).request("GET", "/dags")
    assert time.monotonic() - started < 5


def test_read_timeout_is_transport_error() -> None:
    policy = RetryPolicy(retries=1, backoff=0.01, connect_timeout=1, read_timeout=0.3)
    slow = stub(lambda req, i: Reply(200, EMPTY, delay=1.5))
    with slow as srv, pytest.raises(errors.TransportError, match="timed out"):
        DirectTransport(srv.url, "u", "p", "v1", policy).request("GET", "/dags")
    assert len(srv.seen) == 2


@pytest.mark.parametrize(("status", "body", "kind"), [
    (404, {"detail": "DAG not found"}, errors.NotFoundError),
    (409, {"detail": "exists"}, errors.ConflictError),
    (422, {"detail": [{"loc": ["body", "conf"], "msg": "Input should be a valid dictionary"}]},
     errors.BadRequestError),
    (403, {"title": "Forbidden"}, errors.AuthError),
    (302, None, errors.AuthError),
])
def test_status_maps_to_typed_error(status: int, body: object, kind: type) -> None:
    with stub(lambda req, i: Reply(status, body)) as srv, pytest.raises(kind) as caught:
        DirectTransport(srv.url, "u", "p", "v1", FAST).request("POST", "/dags/x/dagRuns", body={"conf": {}})
    assert caught.value.status == status
    if status == 422:
        assert "body.conf: Input should be a valid dictionary" in str(caught.value)


def test_v2_jwt_refreshed_once_on_401_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    tokens = iter(["jwt-first-SECRET", "jwt-second-SECRET"])

    def answer(req: Seen, i: int) -> Reply:
        if req.path == "/auth/token":
            return Reply(201, {"access_token": next(tokens)})
        if req.headers.get("Authorization") == "Bearer jwt-second-SECRET":
            return Reply(200, EMPTY)
        return Reply(401, {"detail": "expired"})

    caplog.set_level(logging.DEBUG)
    with stub(answer) as srv:
        transport = DirectTransport(srv.url, "admin", "pw-SECRET", "v2", FAST)
        assert AirflowClient(transport).list_dags() == []
        assert "SECRET" not in repr(transport)
    assert srv.paths() == ["POST /auth/token", "GET /api/v2/dags?limit=100&offset=0", "POST /auth/token",
                           "GET /api/v2/dags?limit=100&offset=0"]
    assert "SECRET" not in caplog.text


def test_v2_bad_password_is_auth_error_without_the_password() -> None:
    refusing = stub(lambda req, i: Reply(401, {"detail": "Invalid credentials"}))
    with refusing as srv, pytest.raises(errors.AuthError) as caught:
        DirectTransport(srv.url, "admin", "pw-SECRET", "v2", FAST).request("GET", "/dags")
    assert "SECRET" not in str(caught.value)
    assert len(srv.seen) == 1  # a refused login is not retried


def test_version_detection() -> None:
    with stub(lambda req, i: Reply(200, {"status": "ok"}) if req.path == "/api/v1/health" else Reply(404)) as srv:
        assert DirectTransport(srv.url, "u", "p", policy=FAST).api_version == "v1"


# MWAA web login ----------------------------------------------------------------------------------
def _web(host: str, version: str, tokens: list[str]) -> tuple[MwaaWebLoginTransport, Stubber]:
    transport = MwaaWebLoginTransport("my-env", "us-east-1", airflow_version=version, policy=FAST)
    stubber = Stubber(transport._mwaa)
    for token in tokens:
        stubber.add_response("create_web_login_token", {"WebToken": token, "WebServerHostname": host},
                             {"Name": "my-env"})
    stubber.activate()
    return transport, stubber


def test_web_login_airflow2_session_cookie(caplog: pytest.LogCaptureFixture) -> None:
    def answer(req: Seen, i: int) -> Reply:
        if req.path == "/aws_mwaa/login" and req.method == "POST":
            if parse_qs(req.body.decode()) == {"token": ["web-token-SECRET"]}:
                return Reply(302, headers={"Set-Cookie": "session=sess-SECRET; HttpOnly; Path=/",
                                           "Location": "/home"})
            return Reply(403)
        if "session=sess-SECRET" in req.headers.get("Cookie", ""):
            return Reply(200, {"dags": [{"dag_id": "d1"}], "total_entries": 1})
        return Reply(302, headers={"Location": "/login/"})

    caplog.set_level(logging.DEBUG)
    with stub(answer) as srv:
        transport, stubber = _web(srv.url.removeprefix("http://"), "2.10.3", ["web-token-SECRET"])
        assert [d["dag_id"] for d in AirflowClient(transport).list_dags()] == ["d1"]
        stubber.assert_no_pending_responses()
    assert srv.paths() == ["POST /aws_mwaa/login", "GET /api/v1/dags?limit=100&offset=0"]
    assert "SECRET" not in caplog.text


def test_web_login_airflow3_jwt_and_relogin_on_401() -> None:
    issued = {"tok-1": "jwt-one", "tok-2": "jwt-two"}

    def answer(req: Seen, i: int) -> Reply:
        if req.path == "/pluginsv2/aws_mwaa/login":
            token = parse_qs(req.body.decode())["token"][0]
            return Reply(302, headers={"Set-Cookie": f"_token={issued[token]}; Path=/", "Location": "/"})
        if req.headers.get("Authorization") == "Bearer jwt-two":
            return Reply(200, {"dag_runs": [], "total_entries": 0})
        return Reply(401, {"detail": "Token expired"})

    with stub(answer) as srv:
        transport, stubber = _web(srv.url.removeprefix("http://"), "3.0.6", ["tok-1", "tok-2"])
        assert AirflowClient(transport).list_runs("d1") == []
        stubber.assert_no_pending_responses()
    assert srv.paths() == ["POST /pluginsv2/aws_mwaa/login", "GET /api/v2/dags/d1/dagRuns?limit=25&order_by=-id",
                           "POST /pluginsv2/aws_mwaa/login", "GET /api/v2/dags/d1/dagRuns?limit=25&order_by=-id"]


def test_web_login_without_cookie_is_auth_error() -> None:
    with stub(lambda req, i: Reply(200, b"<html>login</html>")) as srv:
        transport, _ = _web(srv.url.removeprefix("http://"), "2.10.3", ["tok"])
        with pytest.raises(errors.AuthError, match="no 'session' cookie"):
            transport.request("GET", "/dags")


def test_web_login_access_denied_and_version_lookup() -> None:
    transport = MwaaWebLoginTransport("my-env", "us-east-1", policy=FAST)
    with Stubber(transport._mwaa) as stubber:
        stubber.add_response("get_environment", {"Environment": {"Name": "my-env", "AirflowVersion": "3.0.6"}},
                             {"Name": "my-env"})
        stubber.add_client_error("create_web_login_token", "AccessDeniedException", "no", 403)
        with pytest.raises(errors.AuthError, match="CreateWebLoginToken my-env: AccessDeniedException"):
            transport.request("GET", "/dags")
    assert transport._api_version == "v2"


# InvokeRestApi -----------------------------------------------------------------------------------
def _invoke(version: str = "2.10.3") -> tuple[InvokeRestApiTransport, Stubber]:
    transport = InvokeRestApiTransport("my-env", "us-east-1", airflow_version=version, backoff=0.01)
    return transport, Stubber(transport._mwaa)


def test_invoke_rest_api_request_shape_v2() -> None:
    transport, stubber = _invoke("3.0.6")
    with stubber:
        stubber.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": {
            "dag_run_id": "r1", "dag_id": "etl", "state": "queued", "conf": {"a": 1}}},
            {"Name": "my-env", "Path": "/dags/etl/dagRuns", "Method": "POST",
             "Body": {"dag_run_id": "r1", "conf": {"a": 1}, "logical_date": None}})
        run = AirflowClient(transport).trigger("etl", conf={"a": 1}, run_id="r1")
        stubber.assert_no_pending_responses()
    assert (run.run_id, run.state) == ("r1", "queued")


def test_invoke_rest_api_errors_and_retries() -> None:
    transport, stubber = _invoke()
    with stubber:
        stubber.add_client_error("invoke_rest_api", "RestApiClientException", "client error", 400,
                                 modeled_fields={"RestApiStatusCode": 404, "RestApiResponse": {"detail": "no dag"}})
        stubber.add_client_error("invoke_rest_api", "RestApiServerException", "server error", 400,
                                 modeled_fields={"RestApiStatusCode": 503, "RestApiResponse": {}})
        stubber.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": EMPTY},
                             {"Name": "my-env", "Path": "/dags", "Method": "GET",
                              "QueryParameters": {"limit": 100, "offset": 0}})
        client = AirflowClient(transport)
        with pytest.raises(errors.NotFoundError, match="HTTP 404: no dag"):
            client.get_dag("missing")
        assert client.list_dags() == []  # the 503 was retried
        stubber.assert_no_pending_responses()


def test_invoke_rest_api_rejects_long_paths_without_calling() -> None:
    transport, stubber = _invoke()
    with stubber, pytest.raises(errors.BadRequestError, match="at most 64"):
        AirflowClient(transport).get_run("d" * 40, "r" * 40)  # stubber would raise on any call
