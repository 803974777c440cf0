"""Real Airflow behind the local MWAA: an Airflow 2.10.3 and an Airflow 3.0.6 environment, created together.

2.10.3: a DAG synced from S3 runs to success after a web login token reached the UI and the REST API;
InvokeRestApi and the CLI token reach the same server; SchedulerHeartbeat flows to CloudWatch and stops
within one metric period of killing the scheduler (the environment then turns UNAVAILABLE).
3.0.6: scheduler + dag-processor + api-server run a DAG to success through InvokeRestApi; the web login
sets the ``_token`` JWT that the v2 API accepts.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from mwaa_local_helpers import (
    METRICS_PERIOD,
    UNAVAILABLE_AFTER,
    Infra,
    delete_all,
    statuses,
    wait_for,
    wait_status,
)

pytestmark = [pytest.mark.airflow, pytest.mark.emulator, pytest.mark.slow]
RUNTIME_TAG = {"mwaa-local:runtime": "airflow"}
DAG = """
from datetime import datetime
from airflow import DAG
from {module} import BashOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    BashOperator(task_id="hello", bash_command="echo hello from $AIRFLOW_ENV_NAME")
"""


def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture(scope="module")
def airflow_envs(mwaa: Any, infra: Infra, local_mwaa: Any, airflow2: Any, airflow3: Any,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    s3 = boto3.client("s3")
    suffix = uuid.uuid4().hex[:6]
    names = {"2": f"af2-{suffix}", "3": f"af3-{suffix}"}
    s3.put_object(Bucket=infra.bucket, Key="dags2/hello2.py",
                  Body=DAG.format(module="airflow.operators.bash", dag_id="hello2").encode())
    s3.put_object(Bucket=infra.bucket, Key="dags3/hello3.py",
                  Body=DAG.format(module="airflow.providers.standard.operators.bash", dag_id="hello3").encode())
    started = time.monotonic()
    for major, version in (("2", "2.10.3"), ("3", "3.0.6")):
        mwaa.create_environment(**infra.params(names[major], AirflowVersion=version, DagS3Path=f"dags{major}",
                                               Tags=RUNTIME_TAG))
    try:
        for name in names.values():
            wait_status(mwaa, name, {"AVAILABLE"}, timeout=420, leaving={"CREATING"})
        report: dict[str, Any] = {
            e["Name"]: {"startup_seconds": e["StartupSeconds"], "memory_kb": e["Processes"]["memory_kb"]}
            for e in local_mwaa.environments() if e["Name"] in names.values()
        }
        for name in names.values():
            assert report[name]["startup_seconds"] > 0 and report[name]["memory_kb"]["scheduler"] > 10_000
        report["both_available_after_seconds"] = round(time.monotonic() - started, 1)
        (tmp_path_factory.getbasetemp() / "airflow-environments.json").write_text(json.dumps(report, indent=1))
        print("local MWAA environments:", json.dumps(report))
        yield names
    finally:
        delete_all(mwaa, list(names.values()))


def heartbeats(name: str, since: datetime) -> list[datetime]:
    stats = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AmazonMWAA", MetricName="SchedulerHeartbeat", StartTime=since - timedelta(seconds=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=1), Period=1, Statistics=["Sum"],
        Dimensions=[{"Name": "Environment", "Value": name}, {"Name": "Function", "Value": "Scheduler"}])
    return sorted(d["Timestamp"] for d in stats["Datapoints"] if d["Sum"] > 0)



def test_airflow2_web_login_runs_a_synced_dag_and_heartbeat_stops_when_the_scheduler_dies(
        mwaa: Any, airflow_envs: dict[str, str], local_mwaa: Any, status_events: Any) -> None:
    name = airflow_envs["2"]
    since = datetime.now(UTC)
    started = time.monotonic()
    token = mwaa.create_web_login_token(Name=name)  # starts the (lazy) webserver
    print(f"lazy webserver start + token: {time.monotonic() - started:.1f}s; memory:",
          next(e for e in local_mwaa.environments() if e["Name"] == name)["Processes"]["memory_kb"])
    base = f"http://{token['WebServerHostname']}"
    web = http_session()
    login = web.post(f"{base}/aws_mwaa/login", data={"token": token["WebToken"]}, allow_redirects=False, timeout=60)
    assert login.status_code == 302 and "session" in web.cookies
    assert web.get(f"{base}/home", timeout=60).status_code == 200  # the UI, logged in
    assert http_session().get(f"{base}/api/v1/dags", timeout=60).status_code in (401, 403)  # without the login

    api = f"{base}/api/v1/dags/hello2"
    wait_for("DAG hello2 synced and parsed", lambda: web.get(api, timeout=60).status_code == 200, timeout=180)
    assert web.patch(api, json={"is_paused": False}, timeout=60).status_code == 200
    run = web.post(f"{api}/dagRuns", json={"conf": {"from": "test"}}, timeout=60)
    assert run.status_code == 200, run.text
    run_id = run.json()["dag_run_id"]
    wait_for("the run to succeed",
             lambda: web.get(f"{api}/dagRuns/{run_id}", timeout=60).json()["state"] == "success", timeout=180)

    runs = mwaa.invoke_rest_api(Name=name, Method="GET", Path="/dags/hello2/dagRuns",
                                QueryParameters={"limit": 10})
    assert runs["RestApiStatusCode"] == 200
    assert {(r["dag_run_id"], r["state"]) for r in runs["RestApiResponse"]["dag_runs"]} == {(run_id, "success")}
    with pytest.raises(ClientError) as err:
        mwaa.invoke_rest_api(Name=name, Method="GET", Path="/dags/no-such-dag")
    assert err.value.response["Error"]["Code"] == "RestApiClientException"
    assert dict(err.value.response)["RestApiStatusCode"] == 404

    cli = mwaa.create_cli_token(Name=name)
    answer = http_session().post(f"http://{cli['WebServerHostname']}/aws_mwaa/cli", data="dags list -o json",
                                 headers={"Authorization": f"Bearer {cli['CliToken']}", "Content-Type": "text/plain"},
                                 timeout=120)
    assert answer.status_code == 200
    listed = json.loads(base64.b64decode(answer.json()["stdout"]))
    assert [d["dag_id"] for d in listed] == ["hello2"]
    forged = http_session().post(f"{base}/aws_mwaa/cli", data="dags list",
                                 headers={"Authorization": f"Bearer {token['WebToken']}"}, timeout=60)
    assert forged.status_code == 403  # a web token is not a CLI token

    wait_for("SchedulerHeartbeat datapoints", lambda: heartbeats(name, since), timeout=4 * METRICS_PERIOD)
    assert local_mwaa.admin("POST", f"environments/123456789012/us-east-1/{name}/kill-scheduler").json()["killed"]
    killed_at = datetime.now(UTC)
    wait_status(mwaa, name, {"UNAVAILABLE"}, timeout=UNAVAILABLE_AFTER + 30, leaving={"AVAILABLE"})
    time.sleep(max(0.0, 2 * METRICS_PERIOD - (datetime.now(UTC) - killed_at).total_seconds()))
    late = [t for t in heartbeats(name, since) if t > killed_at + timedelta(seconds=METRICS_PERIOD)]
    assert late == [], f"heartbeats after the scheduler died: {late}"
    assert statuses(status_events(1.0), name)[-1:] == ["UNAVAILABLE"]

    assert local_mwaa.admin("POST", f"environments/123456789012/us-east-1/{name}/restart").json()["restarting"]
    wait_status(mwaa, name, {"AVAILABLE"}, timeout=180, leaving={"UNAVAILABLE"})
    restarted = datetime.now(UTC)
    wait_for("heartbeat after the restart", lambda: heartbeats(name, restarted), timeout=12 * METRICS_PERIOD)


def test_airflow3_runs_a_dag_through_invoke_rest_api_and_accepts_the_web_login(
        mwaa: Any, airflow_envs: dict[str, str]) -> None:
    name = airflow_envs["3"]
    since = datetime.now(UTC)

    def invoke(method: str, path: str, **kwargs: Any) -> Any:
        return mwaa.invoke_rest_api(Name=name, Method=method, Path=path, **kwargs)

    def dag_visible() -> bool:
        try:
            return bool(invoke("GET", "/dags/hello3")["RestApiStatusCode"] == 200)
        except ClientError:
            return False

    wait_for("DAG hello3 synced and parsed", dag_visible, timeout=180)
    assert invoke("PATCH", "/dags/hello3", Body={"is_paused": False})["RestApiResponse"]["is_paused"] is False
    # InvokeRestApi paths are at most 64 characters: Airflow 3's generated run ids do not fit, so name the run
    run_id = "from-test"
    run = invoke("POST", "/dags/hello3/dagRuns", Body={"dag_run_id": run_id, "logical_date": None})
    assert run["RestApiStatusCode"] == 200 and run["RestApiResponse"]["dag_run_id"] == run_id
    wait_for("the run to succeed",
             lambda: invoke("GET", f"/dags/hello3/dagRuns/{run_id}")["RestApiResponse"]["state"] == "success",
             timeout=240)

    token = mwaa.create_web_login_token(Name=name)
    base = f"http://{token['WebServerHostname']}"
    web = http_session()
    login = web.post(f"{base}/pluginsv2/aws_mwaa/login", data={"token": token["WebToken"]}, allow_redirects=False,
                     timeout=60)
    assert login.status_code == 303 and "_token" in web.cookies
    bearer = {"Authorization": f"Bearer {web.cookies['_token']}"}
    runs = http_session().get(f"{base}/api/v2/dags/hello3/dagRuns", headers=bearer, timeout=60)
    assert runs.status_code == 200 and [r["dag_run_id"] for r in runs.json()["dag_runs"]] == [run_id]
    assert http_session().get(f"{base}/api/v2/dags", timeout=60).status_code in (401, 403)
    reused = http_session().post(f"{base}/pluginsv2/aws_mwaa/login", data={"token": "mwaa-local.x.y"},
                                 allow_redirects=False, timeout=60)
    assert reused.status_code == 403

    cli = mwaa.create_cli_token(Name=name)
    answer = http_session().post(f"{base}/aws_mwaa/cli", data="version", timeout=120,
                                 headers={"Authorization": f"Bearer {cli['CliToken']}"})
    assert base64.b64decode(answer.json()["stdout"]).decode().strip() == "3.0.6"
    wait_for("SchedulerHeartbeat datapoints", lambda: heartbeats(name, since), timeout=4 * METRICS_PERIOD)

