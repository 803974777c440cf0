"""`make adopt`: after a blue-green upgrade, Terraform takes over the new environment.

The stack's module instance keeps its resources (bucket, role, key, security group: named by the prefix) and
swaps what is named by the environment: the environment itself, its version record and its log groups. The
old environment's are forgotten (``terraform state rm``: they stay in AWS, paused, until the operator retires
them) and the new environment's are imported. Then, with ``mwaa.environment_name`` and ``airflow_version`` in the
tfvars, the plan is clean. Idempotent: what already points at the new environment is left alone, so a re-run
after an interruption finishes the job.

    make adopt ENV=prod REGION=us-east-1 NEW_ENV=mwaa-prod-3-2
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from mwaa_platform.upgrade.log_groups import group_name
from mwaa_platform.versions.record import parameter_name

_NAME = re.compile(r"^[A-Za-z][0-9A-Za-z_-]{0,79}$")
# modules/mwaa-environment's log group keys -> MWAA's suffixes (main.tf, local.log_types)
LOG_KEYS = {"dag_processing": "DAGProcessing", "scheduler": "Scheduler", "task": "Task", "webserver": "WebServer",
            "worker": "Worker"}

Terraform = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]
TF_SH = Path(__file__).resolve().parents[3] / "scripts" / "tf.sh"  # the checkout's (src/mwaa_platform/upgrade/)


class AdoptError(RuntimeError):
    """The state cannot be adopted as asked (nothing was changed unless the message says so)."""


@dataclass(frozen=True)
class Move:
    address: str
    old_id: str | None   # in the state now (None: not in the state)
    new_id: str

    @property
    def done(self) -> bool:
        return self.old_id == self.new_id


def _resources(show: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any]) -> None:
        for res in module.get("resources") or []:
            found[res["address"]] = res.get("values") or {}
        for child in module.get("child_modules") or []:
            walk(child)

    walk(((show.get("values") or {}).get("root_module")) or {})
    return found


def plan_moves(show: dict[str, Any], module: str, new_environment: str) -> list[Move]:
    """What `adopt` changes, from ``terraform show -json`` of the stack's state."""
    if not _NAME.match(new_environment):
        raise AdoptError(f"not an MWAA environment name: {new_environment!r}")
    resources = _resources(show)
    env_address = f"{module}.aws_mwaa_environment.this[0]"
    if env_address not in resources:
        raise AdoptError(f"{env_address} is not in the state: apply the stack first (adopt replaces a managed "
                         "environment by its blue-green successor)")
    moves = [Move(env_address, resources[env_address].get("name"), new_environment)]
    param = f"{module}.aws_ssm_parameter.airflow_version[0]"
    if param in resources:
        moves.append(Move(param, resources[param].get("name"), parameter_name(new_environment)))
    for key, suffix in LOG_KEYS.items():
        address = f'{module}.aws_cloudwatch_log_group.this["{key}"]'
        if address in resources:
            moves.append(Move(address, resources[address].get("name"), group_name(new_environment, suffix)))
    return moves


def adopt(terraform: Terraform, module: str, new_environment: str, echo: Callable[[str], None] = print) -> list[Move]:
    """Forget what names the old environment and import the new one's; returns the moves (done ones skipped)."""
    shown = terraform(["show", "-json"])
    if shown.returncode != 0:
        raise AdoptError(f"terraform show failed: {shown.stderr.strip()[-2000:]}")
    moves = plan_moves(json.loads(shown.stdout or "{}"), module, new_environment)
    for move in moves:
        if move.done:
            echo(f"already adopted: {move.address} = {move.new_id}")
            continue
        if move.old_id is not None:
            _ok(terraform(["state", "rm", move.address]), f"state rm {move.address}")
            echo(f"forgotten (still in AWS): {move.address} = {move.old_id}")
        _ok(terraform(["import", move.address, move.new_id]), f"import {move.address} {move.new_id}")
        echo(f"imported: {move.address} = {move.new_id}")
    return moves


def _ok(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        raise AdoptError(f"terraform {what} failed (re-run adopt after fixing it: it continues where it stopped):"
                         f"\n{(done.stdout + done.stderr).strip()[-3000:]}")


def tf_sh(stack: str, env: str, region: str) -> Terraform:
    """Terraform through scripts/tf.sh (the stack's backend, workspace and tfvars, as `make plan`)."""
    script = TF_SH

    def run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        action, rest = args[0], list(args[1:])
        return subprocess.run([str(script), action, stack, env, region, *rest], capture_output=True, text=True,
                              check=False)

    return run


@click.command()
@click.option("--stack", default="platform", show_default=True)
@click.option("--env", "env", required=True, help="terraform/envs/<env>.tfvars")
@click.option("--region", required=True)
@click.option("--environment-name", required=True, help="The new environment (e.g. mwaa-prod-3-2).")
@click.option("--module", default="module.mwaa", show_default=True, help="The mwaa-environment module instance.")
def main(stack: str, env: str, region: str, environment_name: str, module: str) -> None:
    """After a blue-green upgrade: make the stack manage the new environment (state rm + import)."""
    try:
        adopt(tf_sh(stack, env, region), module, environment_name, click.echo)
    except AdoptError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"adopted {environment_name}: set mwaa.environment_name (and airflow_version) in terraform/envs/"
               f"{env}.tfvars, then `make plan ENV={env} REGION={region}` is clean")


if __name__ == "__main__":
    main()
