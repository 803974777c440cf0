"""Start / stop the local MWAA service as a recorded background process (used by `local up/down` and tests).

``stop`` ends the service (which stops every Airflow process it started) and then sweeps the pid files
of every environment, so processes survive neither a crashed service nor a killed one. Only processes
recorded in our pid files (same pid and command line) are ever signalled.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from mwaa_local import ports, process
from mwaa_local.mwaa import CLIENT_ONLY_VARIABLES, DEFAULT_PORT, mwaa_env, procs
from mwaa_platform.paths import state_dir


@dataclass
class LocalMwaa:
    pg_port: int
    pg_root: Path
    emulator_env: dict[str, str]
    port: int = DEFAULT_PORT
    root: Path = field(default_factory=lambda: state_dir() / "mwaa")
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def pid_file(self) -> Path:
        return self.root / "mwaa.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "mwaa.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What a client exports: the emulator's variables plus the MWAA routing variables."""
        return {**self.emulator_env, **mwaa_env(self.port)}

    def running(self) -> process.Record | None:
        rec = process.running(self.pid_file)
        return rec if rec and rec.port == self.port else None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "mwaa_local.mwaa", "--port", str(self.port), "--root", str(self.root),
               "--pg-port", str(self.pg_port), "--pg-root", str(self.pg_root)]
        for name, value in sorted(self.options.items()):
            flag = "--" + name.replace("_", "-")
            if value is True:
                cmd.append(flag)
            elif value not in (False, None):
                cmd += [flag, str(value)]
        return cmd

    def start(self, timeout: float = 60.0) -> None:
        if self.running():
            return
        other = process.running(self.pid_file)
        if other is not None:  # the service is one per state directory (it also refuses a second itself)
            raise RuntimeError(f"a local MWAA service already runs on {self.root} (port {other.port}, pid "
                               f"{other.pid}); use that one or stop it first")
        ports.ensure_free(self.port, "local MWAA", "MWAA_PORT")
        self.root.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in CLIENT_ONLY_VARIABLES}
        env.update(self.emulator_env)
        proc = process.spawn(self.command(), self.pid_file, self.log_file, env=env, port=self.port)
        # Reap our child the moment it exits, even when nobody calls stop (the service may end by itself).
        threading.Thread(target=proc.wait, name="local-mwaa-reaper", daemon=True).start()
        try:
            ports.wait_listening(self.port, timeout, "local MWAA", alive=lambda: proc.poll() is None)
        except Exception:
            self.stop()
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"local MWAA failed to start; log tail:\n{tail}") from None

    def stop(self) -> bool:
        stopped = process.stop(self.pid_file, timeout=120)
        for pid_file in sorted(self.root.glob("envs/*/*/*/run/*.pid")):
            stopped = procs.stop(pid_file) or stopped
        return stopped

    def _http(self) -> requests.Session:
        http = requests.Session()
        http.trust_env = False  # loopback: never through a proxy
        return http

    def environments(self) -> list[dict[str, Any]]:
        """The debugging view of every environment (status, runtime, processes, memory)."""
        answer = self._http().get(f"{self.endpoint}/_local/environments", timeout=30)
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()["Environments"]
        return found

    def admin(self, method: str, path: str, **params: Any) -> requests.Response:
        """Call a loopback debugging endpoint (``/_local/...``) of the service."""
        return self._http().request(method, f"{self.endpoint}/_local/{path.lstrip('/')}", params=params, timeout=300)
