"""Lifecycle of the local AWS emulator (moto in server mode, with our fixes) on 127.0.0.1.

``make up`` / ``make down`` and the pytest session fixture use this module. The emulator process is
``python -m mwaa_local.aws_emulator``; its pid file records pid + command line + port so that
``stop`` ends only the process we started, and ``start`` refuses a port somebody else answers on.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mwaa_local import ports, process
from mwaa_platform.paths import state_dir

DEFAULT_PORT = 4566
ACCOUNT_ID = "123456789012"
DUMMY_ACCESS_KEY = "testing"  # moto accepts any credentials; these are not secrets
DUMMY_SECRET_KEY = "testing"  # noqa: S105


@dataclass
class Emulator:
    port: int = DEFAULT_PORT
    root: Path = field(default_factory=lambda: state_dir() / "emulator")

    @property
    def pid_file(self) -> Path:
        return self.root / "moto.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "moto.log"

    @property
    def lambda_env_file(self) -> Path:
        return self.root / "lambda-env.json"

    def set_lambda_env(self, env: dict[str, str]) -> None:
        """Extra variables every Lambda run by this emulator gets (e.g. the local MWAA's routing)."""
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.lambda_env_file.with_suffix(".partial")
        partial.write_text(json.dumps(env))
        partial.replace(self.lambda_env_file)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, region: str = "us-east-1") -> dict[str, str]:
        """Environment variables that point boto3 and Terraform at this emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }

    def running(self) -> process.Record | None:
        rec = process.running(self.pid_file)
        return rec if rec and rec.port == self.port else None

    def start(self, timeout: float = 60.0) -> None:
        if self.running():
            return
        ports.ensure_free(self.port, "AWS emulator", "EMULATOR_PORT")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.env())
        env["MWAA_PLATFORM_EMULATOR_STATE"] = str(self.root)
        env["MWAA_PLATFORM_LAMBDA_ENV_FILE"] = str(self.lambda_env_file)
        cmd = [sys.executable, "-m", "mwaa_local.aws_emulator", "--port", str(self.port)]
        proc = process.spawn(cmd, self.pid_file, self.log_file, env=env, port=self.port)
        try:
            ports.wait_listening(self.port, timeout, "AWS emulator", alive=lambda: proc.poll() is None)
        except Exception:
            process.stop(self.pid_file)
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"AWS emulator failed to start; log tail:\n{tail}") from None

    def stop(self) -> bool:
        return process.stop(self.pid_file)


def from_env() -> Emulator:
    return Emulator(port=int(os.environ.get("EMULATOR_PORT", DEFAULT_PORT)))
