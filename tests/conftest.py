"""Shared fixtures: the local AWS emulator, a PostgreSQL cluster, Airflow runtimes.

Each pytest session starts its own emulator and Postgres on free loopback ports under a temporary state
directory, so concurrent runs (a developer's `make up` and `make test`) never share or stop each other's
servers. Everything started here is stopped at session end.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwaa_platform.local import airflow_runtime, ports
from mwaa_platform.local.emulator import Emulator
from mwaa_platform.local.postgres import Cluster

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def session_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def emulator(session_state: Path) -> Iterator[Emulator]:
    """A fresh local AWS emulator for this test session."""
    emu = Emulator(port=ports.free_port(), root=session_state / "emulator")
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def aws_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point boto3 in this test at the session emulator (region us-east-1)."""
    env = emulator.env("us-east-1")
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(scope="session")
def postgres(session_state: Path) -> Iterator[Cluster]:
    """A PostgreSQL cluster on a free loopback port for this test session."""
    root = session_state / "pg"
    if os.geteuid() == 0:
        # pytest's temp dirs are 0700; the unprivileged cluster owner needs to traverse to its data dir
        for parent in [root.parent, *root.parent.parents]:
            if parent == Path(tempfile.gettempdir()) or parent == Path("/"):
                break
            os.chmod(parent, os.stat(parent).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)  # noqa: S103 traverse only
    cluster = Cluster(root, ports.free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _runtime(version: str) -> airflow_runtime.AirflowRuntime:
    return airflow_runtime.ensure(version)


@pytest.fixture(scope="session")
def airflow2() -> airflow_runtime.AirflowRuntime:
    return _runtime("2.10.3")


@pytest.fixture(scope="session")
def airflow3() -> airflow_runtime.AirflowRuntime:
    return _runtime("3.0.6")
