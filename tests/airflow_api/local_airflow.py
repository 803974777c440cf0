"""A real Airflow (2.x webserver or 3.x api-server, plus scheduler) on 127.0.0.1 for the REST client tests.

Each component runs under ``mwaa_local.process`` (pid file + command line), so ``stop`` ends only
what ``start`` started. Start-up is bounded: every wait has a deadline and a failed start stops everything
and raises with the log tails. The database comes from the session Postgres cluster.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from mwaa_local import ports, process
from mwaa_local.postgres import Cluster
from mwaa_platform.airflow_runtime import AirflowRuntime

USERNAME = "admin"


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # exited, waiting to be reaped: not running
        return None
    return fields[19]  # field 22: start time in clock ticks since boot


def _ours(pid_file: Path) -> int | None:
    """The recorded pid if it is still the process we started.

    Airflow retitles its processes (setproctitle), so ``process.running``'s command-line comparison stops
    recognising them; the process start time next to the pid file identifies them instead.
    """
    rec = process.read(pid_file)
    stamp = pid_file.with_suffix(".start")
    if rec is None or not stamp.exists():
        return None
    return rec.pid if _start_time(rec.pid) == stamp.read_text() else None


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            for child in (int(c) for c in (task / "children").read_text().split()):
                found += [child, *_descendants(child)]
    return found


def _stop(pid_file: Path, timeout: float = 20.0) -> None:
    """SIGTERM the component's group and every descendant (some run in their own session), then SIGKILL."""
    pid = _ours(pid_file)
    if pid is not None:
        tree = {p: _start_time(p) for p in [pid, *_descendants(pid)]}
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
        for child in tree:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        alive = list(tree)
        while alive and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
            alive = [p for p, started in tree.items() if started is not None and _start_time(p) == started]
            time.sleep(0.2)
        for child in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    for path in (pid_file, pid_file.with_suffix(".start")):
        with contextlib.suppress(OSError):
            path.unlink()


@dataclass
class LocalAirflow:
    runtime: AirflowRuntime
    cluster: Cluster
    root: Path
    dags_folder: Path
    database: str
    port: int = field(default_factory=ports.free_port)
    log_server_port: int = field(default_factory=ports.free_port)
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    components: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_prefix(self) -> str:
        return "/api/v2" if self.runtime.major >= 3 else "/api/v1"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def env(self) -> dict[str, str]:
        fernet = base64.urlsafe_b64encode(self._secret("fernet", 32)).decode()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_"))}
        env.update({
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.cluster.url(self.database, "postgresql+psycopg2"),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder.resolve()),
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__FERNET_KEY": fernet,
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_server_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(ports.free_port()),
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "True",
            "AIRFLOW__WEBSERVER__SECRET_KEY": self._secret("web", 16).hex(),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if self.runtime.major >= 3:
            env.update({
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt", 32).hex(),
                "AIRFLOW__API__SECRET_KEY": self._secret("api", 16).hex(),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
            })
        else:
            env["AIRFLOW__API__AUTH_BACKENDS"] = "airflow.api.auth.backend.basic_auth"
            env["AIRFLOW__WEBSERVER__WORKERS"] = "1"
        return env

    def _secret(self, name: str, size: int) -> bytes:
        path = self.root / f".{name}.key"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_bytes(secrets.token_bytes(size))
        return path.read_bytes()

    def _run(self, *args: str, timeout: float = 300) -> None:
        out = subprocess.run([str(self.runtime.airflow), *args], env=self.env(), capture_output=True, text=True,
                             timeout=timeout, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args[:2])} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")

    def _spawn(self, name: str, *args: str) -> None:
        cmd = [str(self.runtime.airflow), *args]
        proc = process.spawn(cmd, self.root / f"{name}.pid", self.root / f"{name}.log", env=self.env(),
                             port=self.port if name in {"webserver", "api-server"} else None, cwd=self.root)
        (self.root / f"{name}.start").write_text(_start_time(proc.pid) or "")
        self.components.append(name)

    # lifecycle -----------------------------------------------------------------------------------
    def start(self, timeout: float = 240) -> LocalAirflow:
        deadline = time.monotonic() + timeout
        self.home.mkdir(parents=True, exist_ok=True)
        self.cluster.create_database(self.database)
        try:
            self._run("db", "migrate", timeout=max(30.0, deadline - time.monotonic()))
            if self.runtime.major >= 3:
                (self.home / "passwords.json").write_text(json.dumps({USERNAME: self.password}))
                self._spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port),
                            "--workers", "1")
                self._spawn("scheduler", "scheduler")
                self._spawn("dag-processor", "dag-processor")
            else:
                self._run("users", "create", "--username", USERNAME, "--password", self.password, "--role", "Admin",
                          "--email", "admin@example.invalid", "--firstname", "Local", "--lastname", "Admin")
                self._spawn("webserver", "webserver", "--hostname", "127.0.0.1", "--port", str(self.port),
                            "--workers", "1")
                self._spawn("scheduler", "scheduler")
            self._wait_healthy(deadline)
        except Exception as exc:
            tails = self.log_tails()
            self.stop()
            raise RuntimeError(f"local Airflow {self.runtime.version} did not start ({exc}):\n{tails}") from None
        return self

    def _wait_healthy(self, deadline: float) -> None:
        health = "/api/v2/monitor/health" if self.runtime.major >= 3 else "/health"
        while time.monotonic() < deadline:
            for name in self.components:
                if _ours(self.root / f"{name}.pid") is None:
                    raise RuntimeError(f"{name} exited")
            with contextlib.suppress(requests.RequestException):
                resp = requests.get(self.base_url + health, timeout=3)
                if resp.status_code == 200:
                    return
            time.sleep(1)
        raise TimeoutError("Airflow API did not become healthy in time")

    def wait_for_dags(self, dag_ids: list[str], token_headers: dict[str, str] | None = None,
                      timeout: float = 120) -> None:
        """Wait until the scheduler/dag-processor has serialized ``dag_ids`` (trigger needs them in the DB)."""
        deadline = time.monotonic() + timeout
        auth = None if token_headers else (USERNAME, self.password)
        missing = list(dag_ids)
        while time.monotonic() < deadline:
            missing = []
            for dag_id in dag_ids:
                resp = requests.get(f"{self.base_url}{self.api_prefix}/dags/{dag_id}", auth=auth,
                                    headers=token_headers, timeout=5)
                if resp.status_code != 200:
                    missing.append(dag_id)
            if not missing:
                return
            time.sleep(1)
        raise TimeoutError(f"DAGs not parsed in time: {missing}\n{self.log_tails()}")

    def stop(self) -> None:
        """Stop every component at once (each waits up to 20 s for a clean exit before SIGKILL)."""
        with ThreadPoolExecutor(max_workers=max(1, len(self.components))) as pool:
            list(pool.map(lambda name: _stop(self.root / f"{name}.pid"), list(self.components)))
        self.components.clear()

    def log_tails(self, size: int = 1500) -> str:
        parts = []
        for log in sorted(self.root.glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-size:]}")
        return "\n".join(parts)
