"""Runs a Lambda function's Python handler for real, the way the Lambda Python runtime would.

The function's zip is unpacked once per code hash; the handler runs in a fresh interpreter started with
``-S`` (no site-packages) whose path is the unpacked code plus a runtime directory that holds only what
the Lambda Python runtime provides (boto3, botocore and their dependencies). A dependency missing from the
zip therefore fails here as it would in AWS. The environment is the function's variables plus the
Lambda-reserved ones, with the AWS endpoint pointed at this emulator. Timeout is the function's.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What the AWS Lambda Python runtime ships besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six.py")
PASSTHROUGH_PREFIXES = ("AWS_ENDPOINT_URL_",)
PASSTHROUGH_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")

_BOOTSTRAP = r"""
import importlib, json, sys, time, traceback
code_dir, runtime_dir, handler, result_path, deadline, request_id, fn_arn, memory, group = sys.argv[1:10]
sys.path[:0] = [code_dir, runtime_dir]

class Context:
    function_name = fn_arn.split(":")[6]
    function_version = "$LATEST"
    invoked_function_arn = fn_arn
    memory_limit_in_mb = int(memory)
    aws_request_id = request_id
    log_group_name = group
    log_stream_name = request_id
    def get_remaining_time_in_millis(self):
        return max(0, int((float(deadline) - time.time()) * 1000))

def main():
    event = json.loads(sys.stdin.read() or "{}")
    module_name, func_name = handler.replace("/", ".").rsplit(".", 1)
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        out = {"ok": True, "result": func(event, Context())}
    except Exception as exc:
        traceback.print_exc()
        out = {"ok": False, "error": {"errorMessage": str(exc), "errorType": type(exc).__name__,
                                       "stackTrace": traceback.format_tb(exc.__traceback__)}}
    with open(result_path, "w") as fh:
        json.dump(out, fh, default=str)

main()
"""


@dataclass
class Invocation:
    payload: str
    errored: bool
    logs: str


def _state_dir() -> Path:
    root = Path(os.environ.get("MWAA_PLATFORM_EMULATOR_STATE") or tempfile.gettempdir()) / "lambda"
    root.mkdir(parents=True, exist_ok=True)
    return root


_runtime_lock = threading.Lock()


def runtime_dir() -> Path:
    """A directory holding only the Lambda runtime's packages (symlinks into this interpreter's site)."""
    target = _state_dir() / "python-runtime"
    with _runtime_lock:
        if not (target / ".ready").exists():
            target.mkdir(parents=True, exist_ok=True)
            site = Path(sysconfig.get_paths()["purelib"])
            for name in RUNTIME_PACKAGES:
                src = site / name
                link = target / name
                if src.exists() and not link.exists():
                    link.symlink_to(src)
            (target / ".ready").write_text("ok")
    return target


_unpack_lock = threading.Lock()


def unpack(function_key: str, code: bytes) -> Path:
    digest = hashlib.sha256(code).hexdigest()[:16]
    target = _state_dir() / "code" / function_key / digest
    with _unpack_lock:
        if not (target / ".ready").exists():
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(code)) as zf:
                for member in zf.infolist():
                    dest = (target / member.filename).resolve()
                    if not str(dest).startswith(str(target.resolve())):
                        raise ValueError(f"zip entry escapes the code directory: {member.filename}")
                zf.extractall(target)
            (target / ".ready").write_text("ok")
    return target


def function_env(fn: Any, endpoint: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": tempfile.gettempdir(),
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        # dummy credentials: the emulator accepts any; real Lambda injects the role's session credentials
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "_HANDLER": fn.handler or "",
    }
    for key, value in os.environ.items():
        if key.startswith(PASSTHROUGH_PREFIXES) or key in PASSTHROUGH_NAMES:
            env[key] = value
    extra_file = os.environ.get("MWAA_PLATFORM_LAMBDA_ENV_FILE")
    if extra_file and Path(extra_file).exists():
        env.update({k: str(v) for k, v in json.loads(Path(extra_file).read_text()).items()})
    for key, value in (fn.environment_vars or {}).items():
        if not key.startswith("AWS_") or key.startswith("AWS_ENDPOINT_URL"):
            env[key] = str(value)
    return env


def invoke(fn: Any, event: Any, endpoint: str) -> Invocation:
    """Run ``fn``'s handler on ``event`` (a JSON string or object) and return payload, error flag, logs."""
    if fn.package_type != "Zip" or not getattr(fn, "code_bytes", b""):
        return Invocation(json.dumps({"errorMessage": "function has no zip code to run in the emulator",
                                      "errorType": "Runtime.InvalidEntrypoint"}), True, "")
    raw = event if isinstance(event, str) else json.dumps(event)
    code_dir = unpack(f"{fn.account_id}-{fn.region}-{fn.function_name}", fn.code_bytes)
    request_id = str(uuid.uuid4())
    timeout = int(fn.timeout or 3)
    with tempfile.TemporaryDirectory() as tmp:
        result_path = Path(tmp) / "result.json"
        cmd = [sys.executable, "-S", "-c", _BOOTSTRAP, str(code_dir), str(runtime_dir()), fn.handler,
               str(result_path), str(time.time() + timeout), request_id, fn.function_arn, str(fn.memory_size),
               fn.logs_group_name]
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, check=False, input=raw, capture_output=True, text=True, timeout=timeout,
                                  env=function_env(fn, endpoint), cwd=code_dir)
            logs = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            logs = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            payload = {"errorMessage": f"Task timed out after {timeout:.2f} seconds", "errorType": "Sandbox.Timedout"}
            return Invocation(json.dumps(payload), True, logs)
        elapsed_ms = (time.monotonic() - started) * 1000
        report = f"REPORT RequestId: {request_id} Duration: {elapsed_ms:.2f} ms Memory Size: {fn.memory_size} MB"
        logs = f"START RequestId: {request_id}\n{logs}END RequestId: {request_id}\n{report}\n"
        if not result_path.exists():
            payload = {"errorMessage": f"Runtime exited with code {proc.returncode}", "errorType": "Runtime.ExitError"}
            return Invocation(json.dumps(payload), True, logs)
        out = json.loads(result_path.read_text())
    if out["ok"]:
        return Invocation(json.dumps(out["result"]), False, logs)
    return Invocation(json.dumps(out["error"]), True, logs)
