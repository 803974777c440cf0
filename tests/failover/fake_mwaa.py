"""A test double of the MWAA API and the Airflow REST API behind InvokeRestApi, for the failover workflow tests.

It answers GetEnvironment / CreateEnvironment / InvokeRestApi (rest-json, as botocore sends them, through
HTTP_PROXY like the local MWAA) per region, with an in-memory Airflow per environment: DAGs with a paused
flag and DAG runs. A run of the restore DAG with a task token answers Step Functions on the emulator
(SendTaskSuccess with a restore report, or SendTaskFailure) like dags/dr_restore.py does. Knobs let a test
inject faults: CreateEnvironment errors, an unreachable Airflow, a failing restore, environment statuses.

What it stands in for is listed in tests/failover/README.md; the drill (mwaa_local.dr_drill) runs the real
local MWAA, Airflow and the real restore DAG instead.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3

PLACEHOLDER_HOST = "mwaa.fake.invalid"
ACCOUNT = "123456789012"


@dataclass
class FakeRun:
    dag_id: str
    run_id: str
    conf: dict[str, Any]
    state: str = "queued"
    logical_date: str | None = None


@dataclass
class FakeEnv:
    name: str
    region: str
    status: str = "AVAILABLE"
    airflow_version: str = "2.10.3"
    params: dict[str, Any] = field(default_factory=dict)
    dags: dict[str, bool] = field(default_factory=dict)          # dag_id -> is_paused
    runs: dict[tuple[str, str], FakeRun] = field(default_factory=dict)
    unreachable: bool = False                                    # InvokeRestApi answers 503
    restore_outcome: str = "success"                             # success | fail
    pause_calls: list[tuple[str, bool]] = field(default_factory=list)
    triggered: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> dict[str, Any]:
        p = self.params
        return {
            "Name": self.name, "Status": self.status, "AirflowVersion": self.airflow_version,
            "Arn": f"arn:aws:airflow:{self.region}:{ACCOUNT}:environment/{self.name}",
            "EnvironmentClass": p.get("EnvironmentClass", "mw1.small"),
            "ExecutionRoleArn": p.get("ExecutionRoleArn", f"arn:aws:iam::{ACCOUNT}:role/{self.name}-exec"),
            "SourceBucketArn": p.get("SourceBucketArn", f"arn:aws:s3:::{self.name}-dags"),
            "DagS3Path": p.get("DagS3Path", "dags"),
            "NetworkConfiguration": p.get("NetworkConfiguration", {"SubnetIds": ["subnet-1", "subnet-2"],
                                                                   "SecurityGroupIds": ["sg-1"]}),
            "AirflowConfigurationOptions": p.get("AirflowConfigurationOptions", {"core.default_timezone": "utc"}),
            "MaxWorkers": p.get("MaxWorkers", 5), "MinWorkers": p.get("MinWorkers", 1),
            "Schedulers": p.get("Schedulers", 2), "WebserverAccessMode": p.get("WebserverAccessMode", "PRIVATE_ONLY"),
            "WebserverUrl": f"{self.name}.example.invalid",
            "LoggingConfiguration": {"TaskLogs": {"Enabled": True, "LogLevel": "INFO",
                                                  "CloudWatchLogGroupArn": "arn:aws:logs:x"}},
            "Tags": p.get("Tags", {}),
            "LastUpdate": {"Status": "SUCCESS"} if self.status != "CREATE_FAILED" else
            {"Status": "FAILED", "Error": {"ErrorCode": "X", "ErrorMessage": "injected"}},
        }


class FakeMwaa:
    """Start with ``start()``; ``env()`` gives the variables that route boto3 (and emulator Lambdas) to it."""

    def __init__(self, emulator_env: dict[str, str]) -> None:
        self.emulator_env = emulator_env
        self.envs: dict[tuple[str, str], FakeEnv] = {}
        self.create_error: str | None = None          # "Code: message" -> CreateEnvironment fails
        self.create_delay: float = 0.5
        # DAGs a new environment finds in its (replicated) DAGs bucket: all paused at creation, as in MWAA
        self.new_env_dags: dict[str, bool] = {"dr_restore": True, "dr_backup": True}
        self.calls: list[tuple[str, str, str]] = []    # (region, operation, name)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def env(self) -> dict[str, str]:
        proxy = f"http://127.0.0.1:{self.port}"
        return {"AWS_ENDPOINT_URL_MWAA": f"http://{PLACEHOLDER_HOST}", "HTTP_PROXY": proxy, "http_proxy": proxy,
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}

    # -- fixtures ------------------------------------------------------------------------------------------
    def add(self, region: str, name: str, dags: dict[str, bool] | None = None, **kwargs: Any) -> FakeEnv:
        env = FakeEnv(name, region, dags=dict(dags or {}), **kwargs)
        with self.lock:
            self.envs[(region, name)] = env
        return env

    def get(self, region: str, name: str) -> FakeEnv | None:
        return self.envs.get((region, name))

    def count(self, operation: str, region: str | None = None, name: str | None = None) -> int:
        """Calls of an operation (in a region, for one environment). The fake is shared by the session: executions
        another test left running may call it too, so a test counts its own environment's calls."""
        return sum(1 for r, op, n in self.calls
                   if op == operation and (region is None or r == region) and (name is None or n == name))

    # -- operations ----------------------------------------------------------------------------------------
    def get_environment(self, region: str, name: str) -> tuple[int, dict[str, Any]]:
        env = self.get(region, name)
        if env is None:
            return 404, {"__type": "ResourceNotFoundException", "Message": f"Environment {name} not found"}
        return 200, {"Environment": env.render()}

    def create_environment(self, region: str, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.create_error:
            code, _, message = self.create_error.partition(": ")
            return 400, {"__type": code, "Message": message}
        with self.lock:
            if (region, name) in self.envs:
                return 400, {"__type": "ValidationException", "Message": f"Environment {name} already exists."}
            env = FakeEnv(name, region, status="CREATING", airflow_version=body.get("AirflowVersion", "2.10.3"),
                          params=body, dags=dict(self.new_env_dags))
            self.envs[(region, name)] = env

        def become_available() -> None:
            time.sleep(self.create_delay)
            env.status = "AVAILABLE"

        threading.Thread(target=become_available, daemon=True).start()
        return 200, {"Arn": f"arn:aws:airflow:{region}:{ACCOUNT}:environment/{name}"}

    def invoke_rest_api(self, region: str, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        env = self.get(region, name)
        if env is None:
            return 404, {"__type": "ResourceNotFoundException", "Message": f"Environment {name} not found"}
        if len(body["Path"]) > 64:  # MWAA's constraint on InvokeRestApi
            return 400, {"__type": "ValidationException", "Message": f"Value '{body['Path']}' at 'path' failed to "
                         "satisfy constraint: Member must have length less than or equal to 64"}
        if env.unreachable or env.status != "AVAILABLE":
            return 500, {"__type": "RestApiServerException", "RestApiStatusCode": 503,
                         "RestApiResponse": {"title": "Service Unavailable"}}
        status, payload = self._airflow(env, body["Method"], body["Path"], body.get("QueryParameters") or {},
                                        body.get("Body"))
        if status >= 400:
            return 400, {"__type": "RestApiClientException", "RestApiStatusCode": status, "RestApiResponse": payload}
        return 200, {"RestApiStatusCode": status, "RestApiResponse": payload}

    # -- the fake Airflow ----------------------------------------------------------------------------------
    def _airflow(self, env: FakeEnv, method: str, path: str, query: dict[str, Any],
                 body: Any) -> tuple[int, Any]:
        if method == "GET" and path == "/dags":
            paused = query.get("paused")
            items = [{"dag_id": d, "is_paused": p} for d, p in sorted(env.dags.items())
                     if paused is None or p == paused]
            offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
            return 200, {"dags": items[offset:offset + limit], "total_entries": len(items)}
        match = re.fullmatch(r"/dags/([^/]+)", path)
        if match:
            dag_id = unquote(match.group(1))
            if dag_id not in env.dags:
                return 404, {"title": "DAG not found"}
            if method == "PATCH":
                env.dags[dag_id] = bool(body["is_paused"])
                env.pause_calls.append((dag_id, bool(body["is_paused"])))
            return 200, {"dag_id": dag_id, "is_paused": env.dags[dag_id]}
        match = re.fullmatch(r"/dags/([^/]+)/dagRuns", path)
        if match and method == "POST":
            dag_id = unquote(match.group(1))
            if dag_id not in env.dags:
                return 404, {"title": "DAG not found"}
            run_id = body["dag_run_id"]
            if (dag_id, run_id) in env.runs:
                return 409, {"title": "Conflict"}
            run = FakeRun(dag_id, run_id, dict(body.get("conf") or {}), logical_date=body.get("logical_date"))
            env.runs[(dag_id, run_id)] = run
            env.triggered.append((dag_id, run_id))
            threading.Thread(target=self._execute, args=(env, run), daemon=True).start()
            return 200, {"dag_id": dag_id, "dag_run_id": run_id, "state": run.state}
        if match and method == "GET":
            return 200, {"dag_runs": [], "total_entries": 0}
        match = re.fullmatch(r"/dags/([^/]+)/dagRuns/([^/]+)", path)
        if match:
            run = env.runs.get((unquote(match.group(1)), unquote(match.group(2))))
            if run is None:
                return 404, {"title": "DAG run not found"}
            return 200, {"dag_id": run.dag_id, "dag_run_id": run.run_id, "state": run.state}
        return 404, {"title": f"not emulated: {method} {path}"}

    def _execute(self, env: FakeEnv, run: FakeRun) -> None:
        """Run a DAG run: a paused DAG's run never starts (as in Airflow); restore answers the task token."""
        deadline = time.monotonic() + 30
        while env.dags.get(run.dag_id, True) and time.monotonic() < deadline:
            time.sleep(0.1)
        if env.dags.get(run.dag_id, True):
            return
        run.state = "running"
        time.sleep(0.2)
        ok = not (run.dag_id == "dr_restore" and env.restore_outcome == "fail")
        token = run.conf.get("task_token")
        if token:
            sfn = boto3.client("stepfunctions", region_name=env.region,
                               endpoint_url=self.emulator_env["AWS_ENDPOINT_URL"], aws_access_key_id="testing",
                               aws_secret_access_key="testing")
            if ok:
                report = {"snapshot_id": "full-1", "committed": True, "dry_run": False, "dags_unpaused": 2,
                          "tables": {"dag_run": {"state": "success", "inserted": 3}}}
                sfn.send_task_success(taskToken=token, output=json.dumps(report))
            else:
                sfn.send_task_failure(taskToken=token, error="MetadataRestoreFailed",
                                      cause="injected: the snapshot manifest does not verify")
        run.state = "success" if ok else "failed"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMwaa
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if "__type" in body:
            self.send_header("x-amzn-ErrorType", body["__type"])
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        if url.hostname and not url.hostname.endswith(PLACEHOLDER_HOST):
            self._reply(502, {"__type": "BadGateway", "Message": f"not proxied: {url.hostname}"})
            return
        auth = self.headers.get("Authorization", "")
        scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/", auth)
        region = scope.group(1) if scope else "us-east-1"
        body = json.loads(raw) if raw else {}
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        fake = self.fake
        if len(parts) == 2 and parts[0] == "environments" and self.command == "GET":
            fake.calls.append((region, "GetEnvironment", parts[1]))
            self._reply(*fake.get_environment(region, parts[1]))
        elif len(parts) == 2 and parts[0] == "environments" and self.command == "PUT":
            fake.calls.append((region, "CreateEnvironment", parts[1]))
            self._reply(*fake.create_environment(region, parts[1], body))
        elif len(parts) == 2 and parts[0] == "restapi" and self.command == "POST":
            fake.calls.append((region, "InvokeRestApi", parts[1]))
            self._reply(*fake.invoke_rest_api(region, parts[1], body))
        else:
            self._reply(404, {"__type": "UnknownOperationException", "Message": f"{self.command} {url.path}"})

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()
