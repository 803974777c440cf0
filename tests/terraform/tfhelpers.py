"""Run Terraform from pytest without touching the repository.

`stage()` copies a configuration (and the directories it reaches with relative module sources, such as
``modules/``) into a temporary directory; `Terraform` runs init / apply / plan / output / destroy there with
an explicit environment (e.g. ``emulator.env(region)``) and a bounded timeout on every call. Nothing is
written into the checkout: no .terraform/, no lock file, no state.

Typical use::

    workdir = tfhelpers.stage(REPO, "modules/network/examples/complete", tmp_path)
    tf = tfhelpers.Terraform(workdir, env=emulator.env("us-east-1"))
    tf.init()
    try:
        tf.apply(var={"name": "x"})
        assert tf.plan_exit_code(var={"name": "x"}) == 0
    finally:
        tf.destroy(var={"name": "x"})
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

REPO = Path(__file__).resolve().parents[2]
CLI_CONFIG = REPO / ".state" / "terraform.rc"

# Never copied into a staged configuration: local runtime state and caches.
_IGNORE = shutil.ignore_patterns(
    ".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", ".terraform.tfstate.lock.info", "__pycache__"
)


class TerraformError(RuntimeError):
    """A terraform command failed; the message carries the command, exit code and output tail."""

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str) -> None:
        self.args_ = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        tail = (stdout[-3000:] + "\n" + stderr[-5000:]).strip()
        super().__init__(f"terraform {' '.join(args)} exited {returncode}:\n{tail}")


def stage(repo: Path, config: str, dest: Path, also: Iterable[str] = ("modules",)) -> Path:
    """Copy ``repo/<config>`` plus the top-level directories in ``also`` into ``dest``; return the staged config dir.

    The relative layout is kept, so ``source = "../.."`` or ``"../../modules/x"`` still resolves.
    """
    top = Path(config).parts[0]
    for name in dict.fromkeys([top, *also]):
        src = repo / name
        if not src.is_dir():
            raise FileNotFoundError(f"{src} does not exist")
        target = dest / name
        if not target.exists():
            shutil.copytree(src, target, ignore=_IGNORE)
    workdir = dest / config
    if not workdir.is_dir():
        raise FileNotFoundError(f"{config} is not a directory under {repo}")
    return workdir


def _var_args(var: Mapping[str, Any] | None) -> list[str]:
    args: list[str] = []
    for key, value in (var or {}).items():
        rendered = value if isinstance(value, str) else json.dumps(value)
        args.append(f"-var={key}={rendered}")
    return args


@dataclass
class Terraform:
    """Terraform in one working directory, with a fixed environment and per-command timeouts (seconds)."""

    workdir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 600.0
    state_file: Path | None = None  # default: terraform.tfstate in workdir (a staged copy)
    last_plan_output: str = field(default="", init=False)

    def _environ(self) -> dict[str, str]:
        # Start from a clean slate for AWS_* so a developer's own credentials can never leak in.
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        base.update(
            {
                "TF_IN_AUTOMATION": "1",
                "TF_INPUT": "0",
                "CHECKPOINT_DISABLE": "1",
                "TF_DATA_DIR": str(self.workdir / ".terraform"),
            }
        )
        if CLI_CONFIG.exists():
            base["TF_CLI_CONFIG_FILE"] = str(CLI_CONFIG)
        base.update(self.env)
        return base

    def run(self, *args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``terraform <args>`` in the working directory; raise TerraformError on failure when check."""
        cmd = ["terraform", *args]
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.workdir,
                env=self._environ(),
                capture_output=True,
                text=True,
                timeout=timeout or self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            raise TerraformError(list(args), -1, out, err + f"\n(timed out after {exc.timeout}s)") from None
        if check and proc.returncode != 0:
            raise TerraformError(list(args), proc.returncode, proc.stdout, proc.stderr)
        return proc

    def _state_args(self) -> list[str]:
        return [f"-state={self.state_file}"] if self.state_file else []

    def init(self) -> None:
        self.run("init", "-backend=false", "-input=false", "-no-color")

    def apply(self, var: Mapping[str, Any] | None = None) -> None:
        self.run("apply", "-auto-approve", "-input=false", "-no-color", *self._state_args(), *_var_args(var))

    def plan_exit_code(self, var: Mapping[str, Any] | None = None) -> int:
        """``plan -detailed-exitcode``: 0 = no changes, 2 = changes; anything else raises."""
        proc = self.run(
            "plan", "-detailed-exitcode", "-input=false", "-no-color", *self._state_args(), *_var_args(var),
            check=False,
        )
        if proc.returncode not in (0, 2):
            raise TerraformError(["plan"], proc.returncode, proc.stdout, proc.stderr)
        self.last_plan_output = proc.stdout
        return proc.returncode

    def plan_changes(self, var: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Planned resource changes other than no-op/read, as ``terraform show -json`` dicts (for drift reports)."""
        plan_file = self.workdir / "drift.tfplan"
        self.run("plan", "-input=false", "-no-color", f"-out={plan_file}", *self._state_args(), *_var_args(var))
        shown = json.loads(self.run("show", "-json", str(plan_file)).stdout)
        plan_file.unlink(missing_ok=True)
        changes = []
        for rc in shown.get("resource_changes", []):
            actions = rc.get("change", {}).get("actions", [])
            if actions not in (["no-op"], ["read"]):
                changes.append(rc)
        return changes

    def output(self) -> dict[str, Any]:
        """All root outputs as plain values."""
        raw = json.loads(self.run("output", "-json", *self._state_args()).stdout)
        return {name: item.get("value") for name, item in raw.items()}

    def destroy(self, var: Mapping[str, Any] | None = None) -> None:
        self.run("destroy", "-auto-approve", "-input=false", "-no-color", *self._state_args(), *_var_args(var))

    def state_list(self) -> list[str]:
        proc = self.run("state", "list", *self._state_args(), check=False)
        return [line for line in proc.stdout.splitlines() if line.strip()]


def describe_drift(changes: list[dict[str, Any]]) -> str:
    """Human-readable summary of planned changes: address, actions, and the attributes that differ."""
    lines = []
    for rc in changes:
        change = rc.get("change", {})
        before = change.get("before") or {}
        after = change.get("after") or {}
        keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        lines.append(f"{rc.get('address')}: {'/'.join(change.get('actions', []))} {keys}")
    return "\n".join(lines)


# -- two emulator accounts and polling, shared by the end-to-end tests -------------------------------------------
PARTICIPANT = "444455556666"  # terraform/envs/local-participant.tfvars assume_role_arn, local.shared-network.tfvars


def owner_session(emulator: Any, region: str) -> boto3.session.Session:
    """A boto3 session as the emulator's default account (the VPC owner in the shared-VPC tests)."""
    env = emulator.env(region)
    return boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=region)


def participant_session(emulator: Any, region: str, account: str = PARTICIPANT,
                        role: str = "mwaa-platform-terraform") -> boto3.session.Session:
    """A boto3 session in ``account``, through STS AssumeRole (how moto places a caller in another account)."""
    sts = owner_session(emulator, region).client("sts", endpoint_url=emulator.endpoint)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}",
                            RoleSessionName="pytest")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name=region)


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 1.0) -> Any:
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
