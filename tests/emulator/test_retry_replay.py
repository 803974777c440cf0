"""A retried SDK call is answered from the attempt that already succeeded (the emulator ran the create twice
before: InvalidGroup.Duplicate / InvalidPermission.NotFound in Terraform applies on a loaded machine)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from typing import Any

import boto3
import pytest

from mwaa_local.aws_emulator.retries import RetryReplay


class _App:
    """A WSGI app that creates one thing per call and refuses a duplicate name, like moto."""

    def __init__(self, fail_first: int = 0, gate: threading.Event | None = None) -> None:
        self.calls = 0
        self.names: set[str] = set()
        self.fail_first = fail_first
        self.gate = gate

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.calls <= self.fail_first:
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [b"boom"]
        name = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] == "POST" and name in self.names:
            start_response("400 BAD REQUEST", [("Content-Type", "text/plain")])
            return [b"Duplicate"]
        self.names.add(name)
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Call", str(self.calls))])
        return [b"created ", name.encode()]


def _call(app: Any, invocation: str, attempt: int, method: str = "POST", path: str = "/sg") -> tuple[str, bytes]:
    seen: list[str] = []
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_AMZ_SDK_INVOCATION_ID": invocation,
               "HTTP_AMZ_SDK_REQUEST": f"attempt={attempt}; max=3"}
    body = b"".join(app(environ, lambda status, headers, exc_info=None: seen.append(status)))
    return seen[0], body


def test_a_retry_of_a_successful_create_gets_the_first_answer_and_runs_nothing() -> None:
    inner = _App()
    app = RetryReplay(inner)
    assert _call(app, "inv-1", 1) == ("200 OK", b"created /sg")
    assert _call(app, "inv-1", 2) == ("200 OK", b"created /sg")
    assert inner.calls == 1 and app.replayed == 1
    # a new invocation of the same call is a new call: moto refuses the duplicate, as AWS would
    assert _call(app, "inv-2", 1)[0].startswith("400")
    assert inner.calls == 2


def test_a_retry_after_a_failed_attempt_runs_again() -> None:
    inner = _App(fail_first=1)
    app = RetryReplay(inner)
    assert _call(app, "inv-1", 1)[0].startswith("500")
    assert _call(app, "inv-1", 2) == ("200 OK", b"created /sg")
    assert inner.calls == 2 and app.replayed == 0


def test_reads_and_calls_without_an_invocation_id_are_never_replayed() -> None:
    inner = _App()
    app = RetryReplay(inner)
    _call(app, "inv-1", 1, method="GET")
    _call(app, "inv-1", 2, method="GET")
    assert inner.calls == 2
    seen: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/other"}
    list(app(environ, lambda status, headers, exc_info=None: seen.append(status)))
    list(app(dict(environ), lambda status, headers, exc_info=None: seen.append(status)))
    assert seen[0] == "200 OK" and seen[1].startswith("400")


def test_a_retry_that_arrives_while_the_first_attempt_runs_waits_for_it() -> None:
    gate = threading.Event()
    inner = _App(gate=gate)
    app = RetryReplay(inner)
    answers: dict[int, tuple[str, bytes]] = {}
    first = threading.Thread(target=lambda: answers.__setitem__(1, _call(app, "inv-1", 1)))
    first.start()
    while inner.calls == 0:
        threading.Event().wait(0.01)
    second = threading.Thread(target=lambda: answers.__setitem__(2, _call(app, "inv-1", 2)))
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the retry must wait for the attempt in flight"
    gate.set()
    first.join(5)
    second.join(5)
    assert answers[1] == answers[2] == ("200 OK", b"created /sg")
    assert inner.calls == 1


def test_kept_answers_expire() -> None:
    now = [0.0]
    inner = _App()
    app = RetryReplay(inner, keep_seconds=10, clock=lambda: now[0])
    _call(app, "inv-1", 1)
    now[0] = 11.0
    _call(app, "inv-other", 1, path="/x")  # expiry runs on the next call
    assert _call(app, "inv-1", 2)[0].startswith("400")  # not replayed any more: moto answers
    assert inner.calls == 3


@pytest.mark.usefixtures("aws_env")
def test_the_emulator_answers_a_retried_create_security_group_once() -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    invocation = str(uuid.uuid4())
    attempt = {"n": 1}

    def same_invocation(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = invocation
        request.headers["amz-sdk-request"] = f"attempt={attempt['n']}; max=3"

    ec2.meta.events.register_last("before-send.ec2.CreateSecurityGroup", same_invocation)
    name = f"retry-{invocation[:8]}"
    first = ec2.create_security_group(GroupName=name, Description="d", VpcId=vpc)["GroupId"]
    attempt["n"] = 2
    again = ec2.create_security_group(GroupName=name, Description="d", VpcId=vpc)["GroupId"]
    assert again == first
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    assert [g["GroupId"] for g in groups] == [first]
    # the default egress rule is still there for the provider to revoke
    assert groups[0]["IpPermissionsEgress"]
