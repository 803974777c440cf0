"""Pure pieces of the local MWAA: tokens, model-driven routing and validation, class limits, process identity."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mwaa_local.mwaa import PLACEHOLDER_HOST, classes, mwaa_env, procs, shapes, tokens
from mwaa_local.mwaa.api import is_mwaa_host
from mwaa_local.mwaa.errors import ValidationException

SECRET = "00" * 32


def test_token_round_trip_and_claims() -> None:
    token = tokens.mint(SECRET, "web", "user/moto", "Op", now=1000)
    claims = tokens.verify(SECRET, token, "web", now=1059)
    assert claims["sub"] == "user/moto"
    assert claims["role"] == "Op"
    assert claims["exp"] == 1060


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda t: t, "expired"),
    (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "signature"),
    (lambda t: "x." + t.split(".", 1)[1], "malformed"),
])
def test_token_rejects_expired_forged_malformed(mutate: Callable[[str], str], message: str) -> None:
    token = tokens.mint(SECRET, "web", "u", now=1000)
    with pytest.raises(tokens.TokenError, match=message):
        tokens.verify(SECRET, mutate(token), "web", now=2000 if message == "expired" else 1001)


def test_token_kind_and_secret_are_checked() -> None:
    cli = tokens.mint(SECRET, "cli", "u", now=1000)
    with pytest.raises(tokens.TokenError, match="not a web token"):
        tokens.verify(SECRET, cli, "web", now=1001)
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify("11" * 32, cli, "cli", now=1001)


def test_routes_come_from_the_service_model() -> None:
    route, labels = shapes.match("PATCH", "/environments/my-env") or (None, {})
    assert route is not None and route.operation == "UpdateEnvironment"
    assert labels == {"Name": "my-env"}
    arn = "arn%3Aaws%3Aairflow%3Aus-east-1%3A123456789012%3Aenvironment%2Fx"
    route, labels = shapes.match("DELETE", f"/tags/{arn}?tagKeys=a") or (None, {})
    assert route is not None and route.operation == "UntagResource"
    assert labels["ResourceArn"] == "arn:aws:airflow:us-east-1:123456789012:environment/x"
    assert shapes.match("GET", "/nothing/here") is None
    operations = {r.operation for r in shapes.routes()}
    assert {"CreateEnvironment", "InvokeRestApi", "PublishMetrics", "CreateCliToken"} <= operations


def test_validation_messages_use_aws_wording() -> None:
    route, _ = shapes.match("PUT", "/environments/x") or (None, {})
    assert route is not None
    params = {"Name": "1-starts-with-a-digit", "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
              "SourceBucketArn": "arn:aws:s3:::b", "NetworkConfiguration": {"SubnetIds": ["subnet-1"]},
              "EnvironmentClass": "", "Tags": {"k": "v"}, "MaxWorkers": 0, "EndpointManagement": "BOTH"}
    with pytest.raises(ValidationException) as err:
        shapes.validate(route, params)
    text = err.value.message
    assert text.startswith("6 validation errors detected: ")
    assert "Value null at 'dagS3Path' failed to satisfy constraint: Member must not be null" in text
    assert "Value '1-starts-with-a-digit' at 'name' failed to satisfy constraint: Member must satisfy " \
           "regular expression pattern" in text
    assert "at 'networkConfiguration.subnetIds' failed to satisfy constraint: Member must have length " \
           "greater than or equal to 2" in text
    assert "Value '0' at 'maxWorkers' failed to satisfy constraint: Member must have value greater than or " \
           "equal to 1" in text
    assert "Member must satisfy enum value set: [CUSTOMER, SERVICE]" in text


def test_unicode_tag_patterns_accept_letters_and_reject_others() -> None:
    route, _ = shapes.match("POST", "/tags/arn") or (None, {})
    assert route is not None
    shapes.validate(route, {"ResourceArn": "arn:aws:airflow:us-east-1:123456789012:environment/x",
                            "Tags": {"Équipe dé": "données-1 @ x/y"}})
    with pytest.raises(ValidationException, match=r"tags\.bad#key\.key"):
        shapes.validate(route, {"ResourceArn": "arn:aws:airflow:us-east-1:123456789012:environment/x",
                                "Tags": {"bad#key": "v"}})


def test_class_limits() -> None:
    assert classes.capacity_errors("mw1.micro", 1, 1, 1, 1, 1) == []
    problems = classes.capacity_errors("mw1.micro", 2, 1, 2, 1, 1)
    assert "Schedulers must be 1 for mw1.micro (got 2)" in problems
    assert "MaxWorkers must be 1 for mw1.micro (got 2)" in problems
    assert classes.capacity_errors("mw1.2xlarge", 5, 1, 25, 2, 5) == []
    assert any("MinWorkers (5) must not be greater" in p for p in classes.capacity_errors("mw1.small", 2, 5, 3, 2, 2))
    assert "MaxWebservers must be 2 to 5 for mw1.large (got 6)" in classes.capacity_errors("mw1.large", 2, 1, 2, 2, 6)


def test_routing_variables() -> None:
    env = mwaa_env(4580)
    assert env["AWS_ENDPOINT_URL_MWAA"] == f"http://{PLACEHOLDER_HOST}"
    assert env["HTTP_PROXY"] == env["http_proxy"] == "http://127.0.0.1:4580"
    assert "127.0.0.1" in env["NO_PROXY"].split(",") and env["NO_PROXY"] == env["no_proxy"]
    assert is_mwaa_host(f"api.{PLACEHOLDER_HOST}") and is_mwaa_host(f"ops.{PLACEHOLDER_HOST}.")
    assert not is_mwaa_host("api.example.com") and not is_mwaa_host(f"{PLACEHOLDER_HOST}.evil.com")


def test_process_identity_survives_retitling_and_stop_takes_the_tree(tmp_path: Path) -> None:
    # A parent that renames itself (like Airflow and gunicorn do) and forks a child in a new session.
    script = ("import os, sys, time, subprocess\n"
              "open('/proc/self/comm', 'w').write('renamed')\n"
              "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
              "time.sleep(60)\n")
    pid_file = tmp_path / "x.pid"
    pid = procs.spawn([sys.executable, "-c", script], pid_file, tmp_path / "x.log", env={}, cwd=tmp_path)
    deadline = time.monotonic() + 10
    while len(procs.descendants(pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = procs.descendants(pid)
    assert len(tree) == 2
    assert procs.running(pid_file) == pid
    assert procs.stop(pid_file, timeout=5) is True
    for member, _ in tree:
        state = subprocess.run(["ps", "-o", "stat=", "-p", str(member)], capture_output=True, text=True,
                               check=False).stdout
        assert state.strip() == "" or state.startswith("Z"), f"{member} still running ({state.strip()})"
    assert not pid_file.exists()
    assert procs.stop(pid_file) is False


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return {n for n in found if n.split(".")[0] in {"mwaa_platform", "mwaa_local"}}


def test_lambda_code_paths_never_import_the_emulation() -> None:
    """Every module a Lambda handler reaches (transitively) stays clear of mwaa_local."""
    src = Path(__file__).resolve().parents[2] / "src"
    handlers = sorted((src / "mwaa_platform").rglob("handler*.py"))
    assert handlers, "no Lambda handler modules found to check"

    def module_file(name: str) -> Path | None:
        base = src.joinpath(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.exists():
                return candidate
        return None

    offenders, seen, todo = [], set(), [(h, str(h.relative_to(src))) for h in handlers]
    while todo:
        path, via = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            if name == "mwaa_local" or name.startswith("mwaa_local."):
                offenders.append(f"{via} -> {name}")
            target = module_file(name)
            if target is not None:
                todo.append((target, f"{via} -> {name}"))
    assert offenders == []
    assert len(seen) > len(handlers)  # the closure really followed imports


def test_status_events_leave_in_the_order_the_statuses_were_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A transition made visible first is published first, even when its publisher is slow and another
    thread (an UpdateEnvironment right after AVAILABLE became visible) transitions in between."""
    import threading

    from mwaa_local.mwaa import events, lifecycle, settings, store

    published: list[str] = []
    available_visible = threading.Event()

    def slow_publish(record: dict, previous: str | None) -> bool:
        if record["Status"] == "AVAILABLE":
            available_visible.set()
            time.sleep(0.5)  # the creating thread is slow to deliver
        published.append(record["Status"])
        return True

    monkeypatch.setattr(events, "publish", slow_publish)
    records = store.Store(tmp_path)
    record = {"Name": "env", "Status": "CREATING", "_local": {"account": "123456789012", "region": "us-east-1"}}
    records.put(record)
    key = store.key_of(record)
    controller = lifecycle.Controller(settings.Settings(root=tmp_path, port=0, pg_port=0, pg_root=tmp_path),
                                      records, databases=None)  # type: ignore[arg-type]
    try:
        creator = threading.Thread(target=controller.transition, args=(key, "AVAILABLE"))
        creator.start()
        assert available_visible.wait(5)
        assert records.get(key)["Status"] == "AVAILABLE"  # type: ignore[index]
        controller.transition(key, "UPDATING")
        creator.join(5)
    finally:
        controller.stop()
    assert published == ["AVAILABLE", "UPDATING"]
