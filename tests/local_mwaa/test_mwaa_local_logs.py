"""CloudWatch Logs of the local MWAA: the LoggingConfiguration's modules shipped to the emulator, at their levels.

Real Airflow, one 2.11.0 and one 3.2.1 environment created together, one DAG run each:

- 2.11.0: TaskLogs INFO, SchedulerLogs WARNING, DagProcessingLogs INFO, WebserverLogs disabled. The task log is
  in ``airflow-<env>-Task`` under MWAA's stream name and the REST API (v1) reads it back from CloudWatch; the
  scheduler's INFO lines (in its local file) are not shipped; the webserver, which runs, ships nothing.
- 3.2.1: TaskLogs WARNING, SchedulerLogs disabled. The task's WARNING line is shipped, its INFO line is not
  (it is in the local task log file); the v2 REST API reads the log back from CloudWatch; no scheduler group.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from click.testing import CliRunner
from mwaa_local_helpers import Infra, delete_all, wait_for, wait_status

from mwaa_local.cli import group
from mwaa_local.mwaa import logshipping
from mwaa_local.mwaa.logshipping import LEVELS, _Tail, airflow_environ, line_level, read_new_lines

RUNTIME_TAG = {"mwaa-local:runtime": "airflow"}
DAG = """
import logging
from datetime import datetime
from airflow import DAG
from {module} import PythonOperator


def talk():
    log = logging.getLogger("airflow.task")
    log.info("INFO-MARKER from the task")
    log.warning("WARN-MARKER from the task")


with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    PythonOperator(task_id="talk", python_callable=talk)
"""
# A DAG file in a subfolder that logs while it is parsed (as the repository's dags/examples/ do): on Airflow 3 the
# DAG processor hands that line to the CloudWatch remote-logging processor, which must find the file's log under
# the base log folder (it once ended the DAG processor: the drill on 3.2.1 never saw its DAGs)
NOISY = """
import logging
from datetime import datetime
from airflow import DAG

logging.getLogger(__name__).warning("PARSE-MARKER while parsing")

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    pass
"""
VERSIONS = {"2": "2.11.0", "3": "3.2.1"}


def _module(level: str, enabled: bool = True) -> dict[str, Any]:
    return {"Enabled": enabled, "LogLevel": level}


LOGGING = {
    "2": {"TaskLogs": _module("INFO"), "SchedulerLogs": _module("WARNING"), "DagProcessingLogs": _module("INFO"),
          "WebserverLogs": _module("INFO", enabled=False)},
    "3": {"TaskLogs": _module("WARNING"), "SchedulerLogs": _module("INFO", enabled=False)},
}


# -- units (no Airflow) ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "level"), [
    ("[2026-12-05T15:00:00.123+0000] {scheduler_job_runner.py:12} INFO - Starting the scheduler", "INFO"),
    ("[2026-12-05T15:00:00.123+0000] {taskinstance.py:3} WARNING - careful", "WARNING"),
    ("2026-12-05T15:00:00.123456Z [warning  ] careful [airflow.jobs] k=v", "WARNING"),
    ("2026-12-05T15:00:00.123456Z [debug    ] detail", "DEBUG"),
    ("[2026-12-05 15:00:00 +0000] [42] [ERROR] Worker failed", "ERROR"),
    ("INFO:     Started server process [42]", "INFO"),
    ('{"timestamp": "2026-12-05T15:00:00Z", "level": "critical", "event": "x"}', "CRITICAL"),
    ("Traceback (most recent call last):", None),
    ("  something INFO in the middle", None),
])
def test_line_level(line: str, level: str | None) -> None:
    assert line_level(line) == (LEVELS[level] if level else None)


def test_read_new_lines_inherits_levels_and_keeps_partial_lines(tmp_path: Path) -> None:
    path = tmp_path / "scheduler.log"
    path.write_text("[t] {a.py:1} ERROR - boom\nTraceback (most recent call last):\n[t] {a.py:2} INFO - ok\npart")
    tail = _Tail()
    got = read_new_lines(path, tail)
    assert got == [(40, "[t] {a.py:1} ERROR - boom"), (40, "Traceback (most recent call last):"),
                   (20, "[t] {a.py:2} INFO - ok")]
    with open(path, "a") as handle:
        handle.write("ial\n\x1b[33m[t] {a.py:3} WARNING - colour\x1b[0m\n")
    assert read_new_lines(path, tail) == [(20, "partial"), (30, "[t] {a.py:3} WARNING - colour")]
    assert read_new_lines(path, tail) == []


def test_airflow_environ_turns_task_logs_into_remote_logging() -> None:
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:airflow-x-Task"
    record = {"LoggingConfiguration": {"TaskLogs": {"Enabled": True, "LogLevel": "WARNING",
                                                    "CloudWatchLogGroupArn": arn},
                                       "SchedulerLogs": {"Enabled": True, "LogLevel": "DEBUG",
                                                         "CloudWatchLogGroupArn": arn[:-4] + "Scheduler"}}}
    env = airflow_environ(record)
    assert env["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] == f"cloudwatch://{arn}"
    assert env["AIRFLOW__LOGGING__REMOTE_LOGGING"] == "True"
    assert env["MWAA_LOCAL_TASK_LOG_LEVEL"] == "WARNING"
    assert env["AIRFLOW__LOGGING__LOGGING_LEVEL"] == "DEBUG"  # the most verbose enabled module
    assert airflow_environ({"LoggingConfiguration": {}}) == {"AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}


def test_sources_ship_each_celery_worker_and_nothing_for_local_executor(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()

    class Rt:
        home, major, web_component = tmp_path, 3, "api-server"
        logs = tmp_path / "logs"

        def log_file(self, component: str) -> Path:
            return self.logs / f"{component}.log"

    assert logshipping.sources(Rt())["WorkerLogs"] == []  # LocalExecutor: no worker process
    for name in ("worker-1", "worker-2", "worker-x", "scheduler"):
        (logs / f"{name}.log").write_text("line\n")
    assert logshipping.sources(Rt())["WorkerLogs"] == [("worker-1_console.log", logs / "worker-1.log"),
                                                       ("worker-2_console.log", logs / "worker-2.log")]


# -- real Airflow ------------------------------------------------------------------------------------------------
def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session



def group_events(group: str, prefix: str = "") -> list[dict[str, Any]]:
    logs = boto3.client("logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, logStreamNamePrefix=prefix) \
            if prefix else logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        return [e for page in pages for e in page["events"]]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return []
        raise


def group_exists(group: str) -> bool:
    found = boto3.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    return any(g["logGroupName"] == group for g in found)


@pytest.fixture(scope="module")
def log_envs(mwaa: Any, infra: Infra, local_mwaa: Any) -> Iterator[dict[str, str]]:
    s3 = boto3.client("s3")
    suffix = uuid.uuid4().hex[:6]
    names = {major: f"logs{major}-{suffix}" for major in VERSIONS}
    modules = {"2": "airflow.operators.python", "3": "airflow.providers.standard.operators.python"}
    for major, version in VERSIONS.items():
        s3.put_object(Bucket=infra.bucket, Key=f"logdags{major}/talk{major}.py",
                      Body=DAG.format(module=modules[major], dag_id=f"talk{major}").encode())
        s3.put_object(Bucket=infra.bucket, Key=f"logdags{major}/sub/noisy{major}.py",
                      Body=NOISY.format(dag_id=f"noisy{major}").encode())
        # a loaded 2-core machine can take more than gunicorn's default 120 s to boot the 2.x webserver
        options = {"webserver.web_server_master_timeout": "600"} if major == "2" else {}
        mwaa.create_environment(**infra.params(names[major], AirflowVersion=version, DagS3Path=f"logdags{major}",
                                               LoggingConfiguration=LOGGING[major], Tags=RUNTIME_TAG,
                                               AirflowConfigurationOptions=options))
    _SERVICE[:] = [local_mwaa]
    try:
        for name in names.values():
            wait_status(mwaa, name, {"AVAILABLE"}, timeout=600, leaving={"CREATING"})
        yield names
    finally:
        delete_all(mwaa, list(names.values()))


def _login(mwaa: Any, name: str, major: str) -> tuple[str, requests.Session, dict[str, str]]:
    token = mwaa.create_web_login_token(Name=name)
    base = f"http://{token['WebServerHostname']}"
    web = http_session()
    login = web.post(f"{base}/aws_mwaa/login", data={"token": token["WebToken"]}, allow_redirects=False, timeout=60)
    assert login.status_code in (302, 303), login.text
    headers = {"Authorization": f"Bearer {web.cookies['_token']}"} if major == "3" else {}
    return base, web, headers


def _run_dag(mwaa: Any, name: str, major: str) -> tuple[str, requests.Session, dict[str, str], str]:
    """Log in, unpause talk<major>, trigger a run, wait for success; (api base, session, headers, run id)."""
    base, web, headers = _login(mwaa, name, major)
    api = f"{base}/api/v{1 if major == '2' else 2}"
    dag = f"{api}/dags/talk{major}"
    wait_for(f"DAG talk{major} parsed", lambda: web.get(dag, headers=headers, timeout=60).status_code == 200,
             timeout=240)
    assert web.patch(dag, json={"is_paused": False}, headers=headers, timeout=60).status_code == 200
    body: dict[str, Any] = {} if major == "2" else {"logical_date": None}
    run = web.post(f"{dag}/dagRuns", json=body, headers=headers, timeout=60)
    assert run.status_code == 200, run.text
    run_id = run.json()["dag_run_id"]
    state = lambda: web.get(f"{dag}/dagRuns/{quote(run_id, safe='')}", headers=headers,  # noqa: E731
                            timeout=60).json()["state"]
    wait_for("the run to finish", lambda: state() in ("success", "failed"), timeout=300)
    if state() != "success":
        root = next(e["Processes"]["root"] for e in local_mwaa_envs() if e["Name"] == name)
        files = sorted(Path(root).rglob("*.log"))
        tails = "\n".join(f"== {f}\n{f.read_text(errors='replace')[-1500:]}" for f in files)
        raise AssertionError(f"run {run_id} failed; logs:\n{tails}")
    return api, web, headers, run_id


def local_mwaa_envs() -> list[dict[str, Any]]:
    return _SERVICE[0].environments()


_SERVICE: list[Any] = []


def _task_log_text(web: requests.Session, api: str, headers: dict[str, str], major: str, run_id: str) -> str:
    url = f"{api}/dags/talk{major}/dagRuns/{quote(run_id, safe='')}/taskInstances/talk/logs/1"
    answer = web.get(url, headers={**headers, "Accept": "text/plain" if major == "2" else "application/json"},
                     timeout=120)
    assert answer.status_code == 200, answer.text
    return answer.text




@pytest.mark.airflow
@pytest.mark.emulator
@pytest.mark.slow
def test_airflow2_task_log_in_cloudwatch_under_mwaa_stream_and_read_back_by_the_api(
        mwaa: Any, log_envs: dict[str, str], local_mwaa: Any, session_state: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    name = log_envs["2"]
    api, web, headers, run_id = _run_dag(mwaa, name, "2")
    stream = f"dag_id=talk2/run_id={run_id}/task_id=talk/attempt=1.log".replace(":", "_")
    events = wait_for("the task log in CloudWatch",
                      lambda: group_events(f"airflow-{name}-Task", stream), timeout=60)
    assert {e["logStreamName"] for e in events} == {stream}
    text = "\n".join(e["message"] for e in events)
    assert "INFO-MARKER from the task" in text and "WARN-MARKER from the task" in text

    api_text = _task_log_text(web, api, headers, "2", run_id)
    assert f"Reading remote log from Cloudwatch log_group: airflow-{name}-Task log_stream: {stream}" in api_text
    assert "INFO-MARKER from the task" in api_text

    # SchedulerLogs at WARNING: the scheduler's INFO lines stay in its local file
    rt_logs = next(Path(e["Processes"]["root"]) for e in local_mwaa.environments() if e["Name"] == name) / "logs"
    local_levels = {line_level(line) for line in (rt_logs / "scheduler.log").read_text().splitlines()}
    assert LEVELS["INFO"] in local_levels
    assert group_exists(f"airflow-{name}-Scheduler")
    shipped = group_events(f"airflow-{name}-Scheduler")
    assert all((line_level(e["message"]) or LEVELS["WARNING"]) >= LEVELS["WARNING"] for e in shipped), shipped[:5]
    assert not any(" INFO - " in e["message"] for e in shipped)
    # DagProcessingLogs at INFO: the processor's lines are shipped
    processing = wait_for("DAG processing logs", lambda: group_events(f"airflow-{name}-DAGProcessing"), timeout=60)
    assert any(line_level(e["message"]) == LEVELS["INFO"] for e in processing)
    # WebserverLogs disabled: the webserver runs and logs locally, nothing reaches CloudWatch
    time.sleep(2 * local_mwaa_ship_period())
    assert (rt_logs / "webserver.log").stat().st_size > 0
    assert not group_exists(f"airflow-{name}-WebServer") and group_events(f"airflow-{name}-WebServer") == []

    # the CLI prints the same task log from the emulator's CloudWatch Logs
    monkeypatch.setenv("MWAA_PLATFORM_STATE", str(session_state))
    out = CliRunner().invoke(group, ["mwaa", "logs", name, "--component", "task"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert f"{stream}: " in out.output and "WARN-MARKER from the task" in out.output
    refused = CliRunner().invoke(group, ["mwaa", "logs", name, "--component", "webserver"])
    assert refused.exit_code != 0 and "WebserverLogs are not enabled" in refused.output


def local_mwaa_ship_period() -> float:
    return 2.0  # the service's default --log-ship-period (tests/conftest.py does not change it)


@pytest.mark.airflow
@pytest.mark.emulator
@pytest.mark.slow
def test_airflow3_task_log_at_warning_filters_info_and_a_disabled_module_ships_nothing(
        mwaa: Any, log_envs: dict[str, str], local_mwaa: Any) -> None:
    name = log_envs["3"]
    api, web, headers, run_id = _run_dag(mwaa, name, "3")
    stream = f"dag_id=talk3/run_id={run_id}/task_id=talk/attempt=1.log".replace(":", "_")
    events = wait_for("the task log in CloudWatch",
                      lambda: group_events(f"airflow-{name}-Task", stream), timeout=60)
    text = "\n".join(e["message"] for e in events)
    assert "WARN-MARKER from the task" in text
    assert "INFO-MARKER" not in text
    assert all(json.loads(e["message"]).get("level") not in ("info", "debug") for e in events
               if e["message"].startswith("{"))
    # the INFO line was produced: it is in the local task log file
    root = next(Path(e["Processes"]["root"]) for e in local_mwaa.environments() if e["Name"] == name)
    local = root / "logs" / "airflow" / f"dag_id=talk3/run_id={run_id}/task_id=talk/attempt=1.log"
    assert "INFO-MARKER from the task" in local.read_text()

    wait_for("noisy3 (a subfolder's DAG that logs while parsed) listed", lambda: web.get(
        f"{api}/dags/noisy3", headers=headers, timeout=60).status_code == 200, timeout=240)
    processes = next(e["Processes"] for e in local_mwaa.environments() if e["Name"] == name)
    assert "dag-processor" in processes["memory_kb"], processes  # still running after that line

    api_text = _task_log_text(web, api, headers, "3", run_id)
    assert f"Reading remote log from Cloudwatch log_group: airflow-{name}-Task" in api_text
    assert "WARN-MARKER from the task" in api_text and "INFO-MARKER" not in api_text

    time.sleep(2 * local_mwaa_ship_period())
    assert (root / "logs" / "scheduler.log").stat().st_size > 0
    assert not group_exists(f"airflow-{name}-Scheduler")
    assert logshipping.COMPONENTS["scheduler"] == "SchedulerLogs"


def test_cli_follow_prints_each_event_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``logs --follow`` polls the service's CloudWatch reader from the last timestamp and skips events seen."""
    from mwaa_local import cli

    batches = [
        [{"stream": "s", "timestamp": 1, "id": "a", "message": "one"},
         {"stream": "other", "timestamp": 1, "id": "x", "message": "not this stream"}],
        [{"stream": "s", "timestamp": 1, "id": "a", "message": "one"},
         {"stream": "s", "timestamp": 2, "id": "b", "message": "two"}],
    ]
    starts: list[Any] = []

    class Answer:
        def __init__(self, events: list[dict[str, Any]]) -> None:
            self.events = events

        def json(self) -> dict[str, Any]:
            return {"events": self.events}

    def admin(method: str, path: str, **params: Any) -> Answer:
        starts.append(params.get("start"))
        return Answer(batches[len(starts) - 1])

    def sleep(_: float) -> None:
        if len(starts) == len(batches):
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_admin", admin)
    monkeypatch.setattr(cli.time, "sleep", sleep)
    out = CliRunner().invoke(group, ["mwaa", "logs", "env", "--component", "task", "--stream", "s", "--follow"])
    assert [line for line in out.output.splitlines() if line != "Aborted!" and line] == ["s: one", "s: two"]
    assert starts == [None, 1]
