"""Shared fixtures: the local AWS emulator, a PostgreSQL cluster, Airflow runtimes.

Each pytest session starts its own emulator and Postgres on free loopback ports under a temporary state
directory, so concurrent runs (a developer's `make up` and `make test`) never share or stop each other's
servers. Everything started here is stopped at session end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_platform import airflow_runtime

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
# The longest files first (measured wall times in CI's --durations), so that with the xdist workers
# (--dist loadfile) no long file starts last and leaves the other workers idle while one finishes it.
LONGEST_FIRST = (
    "terraform/test_platform_e2e.py",
    "metadata/test_cross_version.py",
    "upgrade/test_blue_green.py",
    "metadata/test_airflow.py",
    "terraform/test_shared_vpc_root.py",
    "upgrade/test_in_place.py",
    "local_mwaa/test_mwaa_local_celery.py",
    "local_mwaa/test_versions_roundtrip.py",
    "policy/test_plan_policies.py",
    "sso/test_module_apply.py",
    "terraform/test_network_emulator.py",
    "failover/test_dr_failover_terraform.py",
    "local_mwaa/test_mwaa_local_logs.py",
    "local_mwaa/test_versions_downgrade.py",
    "crossaccount/test_emulator_stack.py",
    "endpoints/test_mwaa_objects_emulator.py",
    "dr/test_dr_storage_terraform.py",
    "local_mwaa/test_version_guard_module.py",
    "local_mwaa/test_blue_green_adoption.py",
    "local_mwaa/test_mwaa_local_terraform.py",
    "airflow_api/test_rest_client.py",
    "endpoints/test_emulator_delivery.py",
    "local_mwaa/test_mwaa_local_airflow.py",
    "emulator/test_fixes.py",
    "sso/test_browser_sso.py",
    "local_mwaa/test_versions_image_only.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        try:
            rel = item.path.relative_to(TESTS).as_posix()
        except ValueError:
            return len(LONGEST_FIRST)
        return LONGEST_FIRST.index(rel) if rel in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside a file is kept


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
def postgres() -> Iterator[Cluster]:
    """A PostgreSQL cluster on a free loopback port for this test session.

    Its data directory is NOT under pytest's basetemp: every pytest session that starts on the machine resets
    ``/tmp/pytest-of-<user>`` to mode 0700, which (when we are root) locks the unprivileged cluster owner out
    of its own data directory mid-run (measured: PANIC "could not open pg_control: Permission denied").
    """
    base = Path(tempfile.mkdtemp(prefix="mwaa-platform-pg-"))
    if os.geteuid() == 0:
        os.chmod(base, 0o711)  # noqa: S103 the unprivileged cluster owner only needs to traverse
    cluster = Cluster(base / "pg", ports.free_port())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


# The session's local MWAA publishes metrics every 5 s and turns an environment with a dead scheduler
# UNAVAILABLE after 10 s, so the failure path is observable within a test (tests/local_mwaa/mwaa_local_helpers).
LOCAL_MWAA_METRICS_PERIOD = 5.0
LOCAL_MWAA_UNAVAILABLE_AFTER = 10.0
# Celery environments remove their extra workers after 15 s of low use (120 s by default), so scale-in is testable.
LOCAL_MWAA_WORKER_COOLDOWN = 15.0


@pytest.fixture(scope="session")
def local_mwaa(emulator: Emulator, postgres: Cluster, session_state: Path) -> Iterator[LocalMwaa]:
    """The session's one local MWAA service (tests/local_mwaa and tests/upgrade share it).

    Defined here, at the root, so that it is one fixture: a copy in two conftest files would be two session
    fixtures, i.e. two services on one state directory, each running every environment's jobs. The ``none``
    runtime is the default (control plane only); Airflow tests opt in with ``mwaa-local:runtime = airflow``.
    """
    service = LocalMwaa(
        pg_port=postgres.port, pg_root=postgres.root, emulator_env=emulator.env("us-east-1"),
        port=ports.free_port(), root=session_state / "mwaa",
        options={"default_runtime": "none", "control_plane_delay": 0.5, "metrics_period": LOCAL_MWAA_METRICS_PERIOD,
                 "unavailable_after": LOCAL_MWAA_UNAVAILABLE_AFTER, "dag_sync_period": 3,
                 "worker_cooldown": LOCAL_MWAA_WORKER_COOLDOWN},
    )
    service.start()
    try:
        yield service
    finally:
        service.stop()


def _runtime(version: str) -> airflow_runtime.AirflowRuntime:
    return airflow_runtime.ensure(version)


@pytest.fixture(scope="session")
def airflow2() -> airflow_runtime.AirflowRuntime:
    return _runtime("2.10.3")


@pytest.fixture(scope="session")
def airflow3() -> airflow_runtime.AirflowRuntime:
    return _runtime("3.0.6")
