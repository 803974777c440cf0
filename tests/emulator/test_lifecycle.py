"""The emulator launcher: starts, refuses a busy port, stops only what it started, fails fast."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from mwaa_local import ports
from mwaa_local.emulator import Emulator


def test_refuses_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        emu = Emulator(port=port, root=tmp_path)
        with pytest.raises(ports.PortBusyError, match="already in use"):
            emu.start()
        assert not (tmp_path / "moto.pid").exists()


def test_stop_leaves_foreign_process_alone(tmp_path: Path) -> None:
    emu = Emulator(port=ports.free_port(), root=tmp_path)
    # a pid file that names a process we did not start (pid 1) must not be signalled
    (tmp_path / "moto.pid").write_text('{"pid": 1, "cmdline": ["not-ours"], "port": 1}')
    assert emu.stop() is False
    assert not (tmp_path / "moto.pid").exists()


def test_start_stop_cycle(tmp_path: Path) -> None:
    emu = Emulator(port=ports.free_port(), root=tmp_path)
    emu.start()
    try:
        assert emu.running() is not None
        assert ports.is_listening(emu.port)
    finally:
        assert emu.stop() is True
    assert not ports.is_listening(emu.port)


def test_unimplemented_service_fails_fast(aws_env: dict[str, str]) -> None:
    client = boto3.client("redshift-serverless")
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        client.list_namespaces()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert time.monotonic() - started < 5


def test_unimplemented_action_fails_fast(aws_env: dict[str, str]) -> None:
    client = boto3.client("ec2")
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        client.describe_capacity_block_offerings(CapacityDurationHours=24, InstanceCount=1)
    assert err.value.response["Error"]["Code"] in {"NotImplemented", "InvalidAction"}
    assert time.monotonic() - started < 5


def test_stop_finds_a_process_whose_title_changed(tmp_path: Path) -> None:
    import json
    import sys

    from mwaa_local import process

    pid_file = tmp_path / "p.pid"
    proc = process.spawn([sys.executable, "-c", "import time; time.sleep(60)"], pid_file, tmp_path / "p.log")
    record = json.loads(pid_file.read_text())
    # what Airflow/gunicorn do with setproctitle: the live command line no longer matches the recorded one
    record["cmdline"] = ["airflow scheduler -- DagFileProcessorManager"]
    pid_file.write_text(json.dumps(record))
    assert process.running(pid_file) is not None
    assert process.stop(pid_file) is True
    assert proc.wait(timeout=10) is not None


def test_recycled_pid_is_not_ours(tmp_path: Path) -> None:
    import os

    from mwaa_local import process

    # our own pid, but a different start time: a recycled pid must not be signalled
    started = process.start_time(os.getpid())
    assert started is not None
    (tmp_path / "x.pid").write_text(f'{{"pid": {os.getpid()}, "cmdline": [], "port": null, "started": {started + 1}}}')
    assert process.running(tmp_path / "x.pid") is None


def test_stop_escalates_and_returns_only_when_the_process_is_gone(tmp_path: Path) -> None:
    """A process that ignores SIGTERM is killed; when ``stop`` returns it is reaped, not a lingering zombie."""
    import sys

    from mwaa_local import process

    pid_file = tmp_path / "p.pid"
    code = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
            "time.sleep(60)")
    process.spawn([sys.executable, "-c", code], pid_file, tmp_path / "p.log")
    deadline = time.monotonic() + 20
    while "ready" not in (tmp_path / "p.log").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    record = process.read(pid_file)
    assert record is not None and record.alive()
    assert process.stop(pid_file, timeout=0.5) is True
    assert not record.alive()
    assert not Path(f"/proc/{record.pid}").exists()
    assert not pid_file.exists()
