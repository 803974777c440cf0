"""Real Airflow for the REST client tests, started once per session and stopped at its end:

- ``airflow_servers``: plain Airflow 2.10.3 (webserver, /api/v1) and 3.0.6 (api-server, /api/v2), each with
  a scheduler (+ dag-processor), on databases of the session Postgres (direct transport tests);
- ``local_mwaa_envs``: the local MWAA with one 2.10.3 and one 3.0.6 environment (MWAA transport tests).

Start-up is mostly waiting (migrations, imports, the local MWAA's worker), so everything is started
together: the first test of this directory kicks off the local MWAA environments (CreateEnvironment
returns at once) and the MWAA tests (test_rest_via_local_mwaa, last in order) only wait for AVAILABLE.
A local MWAA failure is raised in the MWAA tests, never in the others. Each server set is stopped when
the module using it ends (idempotent), so nothing keeps running through the rest of the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from local_airflow import LocalAirflow  # tests/airflow_api is on sys.path (rootdir-relative, no __init__)
from local_mwaa_envs import LocalMwaaEnvs

from mwaa_local.emulator import Emulator
from mwaa_local.postgres import Cluster
from mwaa_platform.airflow_api.http import RetryPolicy
from mwaa_platform.airflow_api.plain_airflow import DirectTransport
from mwaa_platform.airflow_client.client import AirflowClient
from mwaa_platform.airflow_runtime import AirflowRuntime

DAGS = Path(__file__).parent / "dags"


@pytest.fixture(scope="session", autouse=True)
def _kick_off_local_mwaa(request: pytest.FixtureRequest) -> None:
    """When the local MWAA tests are selected, start creating their environments at the first test here."""
    if any("test_rest_via_local_mwaa" in item.nodeid for item in request.session.items):
        request.getfixturevalue("local_mwaa_envs")


@pytest.fixture(scope="session")
def local_mwaa_envs(emulator: Emulator, postgres: Cluster, session_state: Path, airflow2: AirflowRuntime,
                    airflow3: AirflowRuntime) -> Iterator[LocalMwaaEnvs]:
    envs = LocalMwaaEnvs(emulator, postgres, session_state / "mwaa-api")
    envs.kick_off()
    try:
        yield envs
    finally:
        envs.stop()


@pytest.fixture
def mwaa_vars(local_mwaa_envs: LocalMwaaEnvs, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This test's boto3 calls go to the emulator, MWAA calls through the proxy to the local MWAA."""
    local_mwaa_envs.ready()
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in local_mwaa_envs.env.items():
        monkeypatch.setenv(key, value)
    return local_mwaa_envs.names


@pytest.fixture(scope="session")
def airflow_servers(airflow2: AirflowRuntime, airflow3: AirflowRuntime, postgres: Cluster,
                    session_state: Path) -> Iterator[dict[str, LocalAirflow]]:
    servers = {
        "v1": LocalAirflow(airflow2, postgres, session_state / "api-af2", DAGS, "api_af2"),
        "v2": LocalAirflow(airflow3, postgres, session_state / "api-af3", DAGS, "api_af3"),
    }
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for future in [pool.submit(s.start) for s in servers.values()]:
                future.result()
        for server in servers.values():
            transport = DirectTransport(server.base_url, "admin", server.password)
            transport.api_version  # noqa: B018 - logs in (a JWT for 3.x)
            headers = {"Authorization": str(transport.session.headers["Authorization"])} \
                if server.runtime.major >= 3 else None
            server.wait_for_dags(["api_smoke"], headers)
            transport.close()
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(params=["v1", "v2"])
def server(request: pytest.FixtureRequest, airflow_servers: dict[str, LocalAirflow]) -> LocalAirflow:
    return airflow_servers[request.param]


@pytest.fixture
def client(server: LocalAirflow) -> Iterator[AirflowClient]:
    policy = RetryPolicy(retries=2, backoff=0.2, read_timeout=30)
    with AirflowClient(DirectTransport(server.base_url, "admin", server.password, policy=policy)) as c:
        yield c
