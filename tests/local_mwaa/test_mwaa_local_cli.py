"""`mwaa-platform local up | env | status | mwaa list | down` on a private state dir and free ports."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from mwaa_local import ports, process
from mwaa_local.cli import group

pytestmark = [pytest.mark.emulator]


def _traversable(path: Path) -> None:
    """The unprivileged PostgreSQL owner (as root: nobody) must reach its data dir under pytest's 0700 dirs."""
    for parent in [path, *path.parents]:
        if parent in (Path(tempfile.gettempdir()), Path("/")):
            break
        os.chmod(parent, os.stat(parent).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)  # noqa: S103 traverse only


def test_up_status_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.mkdir()
    _traversable(state)
    monkeypatch.setenv("MWAA_PLATFORM_STATE", str(state))
    emulator_port, mwaa_port, pg_port = ports.free_port(), ports.free_port(), ports.free_port()
    args = ["--emulator-port", str(emulator_port), "--mwaa-port", str(mwaa_port), "--pg-port", str(pg_port)]
    runner = CliRunner()
    recorded: list[process.Record | None] = []
    try:
        up = runner.invoke(group, ["up", *args, "--default-runtime", "none"], catch_exceptions=False)
        assert up.exit_code == 0, up.stderr
        exports = dict(line.removeprefix("export ").split("=", 1) for line in up.stdout.splitlines())
        assert exports["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{emulator_port}"
        assert exports["HTTP_PROXY"] == f"http://127.0.0.1:{mwaa_port}"
        assert exports["AWS_ENDPOINT_URL_MWAA"].startswith("http://")
        # the exports are shell-ready: a shell that evaluates them reaches the local MWAA through the proxy
        code = "import boto3; print(boto3.client('mwaa').list_environments()['Environments'])"
        script = f"{up.stdout}\n{shlex.quote(sys.executable)} -c {shlex.quote(code)}\n"
        shell = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False)
        assert shell.returncode == 0, shell.stderr
        assert shell.stdout.strip() == "[]"

        again = runner.invoke(group, ["env", *args])
        assert again.exit_code == 0 and again.stdout == up.stdout

        status = runner.invoke(group, ["status", *args, "--json"])
        assert status.exit_code == 0, status.output
        report = json.loads(status.stdout)
        running = (report["emulator"], report["postgres"], report["mwaa"], report["environments"])
        assert running == (True, True, True, [])
        listed = runner.invoke(group, ["mwaa", "list"])
        assert listed.exit_code == 0 and listed.stdout == ""
        missing = runner.invoke(group, ["mwaa", "kill-scheduler", "nope"])
        assert missing.exit_code != 0 and "no environment" in missing.output
        recorded += [process.read(state / "emulator" / "moto.pid"), process.read(state / "mwaa" / "mwaa.pid")]
        assert all(rec is not None and rec.alive() for rec in recorded)
    finally:
        down = runner.invoke(group, ["down", *args])
    assert down.exit_code == 0, down.output
    assert "local MWAA: stopped" in down.stderr and "AWS emulator: stopped" in down.stderr
    assert "PostgreSQL: stopped" in down.stderr
    assert not any(ports.is_listening(p) for p in (emulator_port, mwaa_port, pg_port))
    assert len(recorded) == 2 and all(rec is not None and not rec.alive() for rec in recorded)
    after = runner.invoke(group, ["status", *args, "--json"])
    assert json.loads(after.stdout)["mwaa"] is False
    not_running = runner.invoke(group, ["mwaa", "list"])
    assert not_running.exit_code != 0 and "not running" in not_running.output
