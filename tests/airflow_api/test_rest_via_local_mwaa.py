"""The MWAA transports against the local MWAA (mwaa_local.mwaa), which runs real Airflow 2.10.3 and
3.0.6 environments behind the MWAA API: web login token -> session cookie (/api/v1) and -> JWT (/api/v2),
InvokeRestApi, and the scheduled invoker handler calling InvokeRestApi for real. The service and its
environments come from the ``local_mwaa_envs`` session fixture (conftest.py)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from local_mwaa_envs import LocalMwaaEnvs

from mwaa_platform.airflow_api import handlers
from mwaa_platform.airflow_api.mwaa_web import MwaaWebLoginTransport
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient
from mwaa_platform.airflow_client.invoke_rest_api import InvokeRestApiTransport

pytestmark = [pytest.mark.airflow, pytest.mark.emulator, pytest.mark.slow]

VERSIONS = {"2.10.3": "v1", "3.0.6": "v2"}


@pytest.fixture(scope="module", autouse=True)
def _stop_local_mwaa_after_module(local_mwaa_envs: LocalMwaaEnvs) -> Iterator[None]:
    yield
    local_mwaa_envs.stop()


def _wait_for_dag(client: AirflowClient, dag_id: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while dag_id not in {d["dag_id"] for d in client.list_dags()}:
        if time.monotonic() > deadline:
            raise AssertionError(f"{dag_id} not synced and parsed within {timeout:.0f}s")
        time.sleep(2)


@pytest.mark.parametrize("version", list(VERSIONS))
def test_web_login_transport_triggers_and_waits(mwaa_vars: dict[str, str], version: str) -> None:
    with AirflowClient(MwaaWebLoginTransport(mwaa_vars[version], "us-east-1")) as client:
        assert client.api_version == VERSIONS[version]  # looked up with GetEnvironment
        _wait_for_dag(client, "api_smoke")
        client.set_paused("api_smoke", False)
        run = client.trigger("api_smoke", conf={"via": "web-login"})
        done = client.wait_for_run("api_smoke", run.run_id, timeout=240, poll_interval=2)
        assert (done.state, done.conf) == ("success", {"via": "web-login"})
        assert run.run_id in {r.run_id for r in client.list_runs("api_smoke")}
        client.transport.session.cookies.clear()  # an expired session: the next 401 logs in again
        client.transport.session.headers.pop("Authorization", None)
        assert client.get_run("api_smoke", run.run_id).state == "success"


@pytest.mark.parametrize("version", list(VERSIONS))
def test_invoke_rest_api_transport(mwaa_vars: dict[str, str], version: str) -> None:
    with AirflowClient(InvokeRestApiTransport(mwaa_vars[version], "us-east-1", airflow_version=version)) as client:
        _wait_for_dag(client, "api_smoke")
        client.set_paused("api_smoke", False)
        run = client.trigger("api_smoke", conf={"via": "invoke"}, run_id=f"invoke__{uuid.uuid4().hex[:8]}")
        with pytest.raises(errors.ConflictError):
            client.trigger("api_smoke", run_id=run.run_id)
        with pytest.raises(errors.NotFoundError):
            client.get_dag("no_such_dag")
        assert client.wait_for_run("api_smoke", run.run_id, timeout=240, poll_interval=2).state == "success"


def test_scheduled_invoker_handler_through_invoke_rest_api(mwaa_vars: dict[str, str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    name = mwaa_vars["2.10.3"]
    monkeypatch.setenv("MWAA_ENVIRONMENT_NAME", name)
    monkeypatch.setenv("AIRFLOW_VERSION", "2.10.3")
    monkeypatch.setenv("FLOWS", json.dumps({"smoke": {"dag_id": "api_smoke", "conf": {"source": "schedule"}}}))
    event = {"flow_id": "smoke", "scheduled_time": f"2031-0{1 + uuid.uuid4().int % 9}-01T06:00:00Z",
             "execution_id": str(uuid.uuid4())}
    with AirflowClient(InvokeRestApiTransport(name, "us-east-1", airflow_version="2.10.3")) as client:
        _wait_for_dag(client, "api_smoke")
        client.set_paused("api_smoke", False)
        first = handlers.scheduled(event, None)
        [run] = first["runs"]
        assert run["outcome"] == "triggered"
        assert handlers.scheduled(event, None)["runs"][0]["outcome"] == "already_triggered"  # a redelivery
        done = client.wait_for_run("api_smoke", run["run_id"], timeout=240, poll_interval=2)
    assert done.state == "success" and done.conf["source"] == "schedule" and done.conf["flow_id"] == "smoke"
