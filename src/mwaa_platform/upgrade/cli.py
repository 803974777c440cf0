"""``mwaa-platform upgrade check|rehearse|execute|status|resume|rollback``: Airflow version upgrades.

Exit codes as ``failover``: 0 done (check: nothing blocks), 1 bad usage or input (nothing was changed),
3 refused (check: something blocks; execute: a precondition is not met, nothing was changed by the refused
step), 4 a step failed (the upgrade state records which; fix the cause and run ``resume``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

EXIT_USAGE = 1
EXIT_REFUSED = 3
EXIT_FAILED = 4


def _progress(as_json: bool) -> Any:
    def show(event: dict[str, Any]) -> None:
        if as_json:
            click.echo(json.dumps(event, default=str, sort_keys=True), err=True)
            return
        kind = event.get("event")
        name = event.get("step") or event.get("check")
        if kind in ("step_started", "check_started"):
            counter = f"[{event['index']}/{event['total']}] " if "index" in event else ""
            click.echo(f"{counter}{name} ...", err=True)
        elif kind == "step_waiting":
            click.echo(f"      {name}: waiting ({event.get('detail', '')})", err=True)
        elif kind in ("step_finished", "check_finished"):
            took = f" {event['seconds']}s" if "seconds" in event else ""
            summary = event.get("summary") or json.dumps(event.get("brief") or {}, default=str)
            click.echo(f"      {name}: {event.get('status')}{took} {summary}", err=True)

    return show


def _emit(doc: Any, as_json: bool, lines: list[str] | None = None) -> None:
    if as_json:
        click.echo(json.dumps(doc, indent=1, default=str, sort_keys=True))
    elif lines is not None:
        click.echo("\n".join(lines))
    else:
        click.echo(json.dumps(doc, indent=1, default=str))


def _environment(name: str, region: str | None) -> dict[str, Any]:
    from mwaa_platform import aws

    try:
        env: dict[str, Any] = aws.client("mwaa", region).get_environment(Name=name)["Environment"]
    except ClientError as exc:
        raise click.ClickException(f"cannot read environment {name}: {exc.response['Error']['Message']}") from None
    except BotoCoreError as exc:
        raise click.ClickException(f"cannot read environment {name}: {exc}") from None
    return env


@click.group("upgrade")
def group() -> None:
    """Airflow version upgrades: check, rehearse, execute (in place or blue-green), status, resume, rollback."""


@group.command("check")
@click.option("--env", "environment", required=True, help="MWAA environment name.")
@click.option("--to", "target", required=True, help="Target Airflow version (from the version table).")
@click.option("--from", "current", default=None, help="Current version (default: GetEnvironment's).")
@click.option("--region", default=None, help="Region of the environment (default: the AWS default).")
@click.option("--dags-dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Local DAGs folder (default: the environment's, from its S3 bucket).")
@click.option("--requirements", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Local requirements.txt (with --dags-dir).")
@click.option("--plugins-dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Local plugins folder (with --dags-dir).")
@click.option("--config-options", default=None,
              help='AirflowConfigurationOptions as JSON ({"section.key": "value"}) or @file (with --dags-dir).')
@click.option("--json", "as_json", is_flag=True, help="JSON report on stdout, JSON progress lines on stderr.")
def check_cmd(environment: str, target: str, current: str | None, region: str | None, dags_dir: Path | None,
              requirements: Path | None, plugins_dir: Path | None, config_options: str | None,
              as_json: bool) -> None:
    """Read-only: can ENV move to --to? Version path, requirements, DAG parse, Airflow 3 lint, configuration."""
    from mwaa_platform import versions
    from mwaa_platform.upgrade import inputs
    from mwaa_platform.upgrade.check import check

    try:
        versions.parse(target)
        if current:
            versions.parse(current)
        options = inputs.parse_config_options(config_options)
        if dags_dir is None and (requirements or plugins_dir or options):
            raise inputs.InputError("--requirements / --plugins-dir / --config-options need --dags-dir (local "
                                    "form); without --dags-dir everything comes from the environment")
    except (versions.UnknownVersionError, inputs.InputError, OSError) as exc:
        click.echo(f"usage: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    with inputs.temporary_workdir() as work:
        try:
            if dags_dir is not None:
                given = inputs.local(dags_dir, requirements, plugins_dir, options)
                env = None if current else _environment(environment, region)
            else:
                env = _environment(environment, region)
                given = inputs.from_environment(env, Path(work), region)
        except inputs.InputError as exc:
            click.echo(f"usage: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        report = check(environment, current or str((env or {}).get("AirflowVersion")), target, given,
                       _progress(as_json))
    doc = {**report.to_dict(), "inputs": given.source}
    _emit(doc, as_json, report.lines())
    if report.blocked:
        sys.exit(EXIT_REFUSED)


# ---------------------------------------------------------------------------------------------------------
# execute / resume / rollback / status
# ---------------------------------------------------------------------------------------------------------
def _state_options(func: Any) -> Any:
    from mwaa_platform.upgrade.config import STATE_TABLE_VARIABLE

    options = [
        click.option("--env", "environment", required=True, help="MWAA environment name."),
        click.option("--region", default=None, help="Region of the environment and the state table."),
        click.option("--state-table", envvar=STATE_TABLE_VARIABLE, default="", show_envvar=True,
                     help="DynamoDB table of the upgrade state and lease (the failover state table works)."),
        click.option("--json", "as_json", is_flag=True, help="JSON result on stdout, JSON progress lines on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_options(func: Any) -> Any:
    options = [
        click.option("--canary-dag", default=None, help="A DAG triggered after the change that must succeed."),
        click.option("--backup-dag", default="dr_backup", show_default=True, help="The metadata backup DAG."),
        click.option("--restore-dag", default="dr_restore", show_default=True, help="The metadata restore DAG."),
        click.option("--no-snapshot", is_flag=True, help="In place only: no own restore point (MWAA's only)."),
        click.option("--poll-seconds", type=click.FloatRange(0.5, 300), default=10.0, show_default=True),
        click.option("--drain-timeout", type=click.IntRange(0, 86400), default=900, show_default=True,
                     help="After the pause, seconds to wait for running/queued tasks to end (0: do not wait; "
                          "a task running at the cut-over then runs again on the other side)."),
        click.option("--dry-run", is_flag=True, help="Show the plan (what runs, what is done) and change nothing."),
        click.option("--yes", is_flag=True, help="Do not ask for confirmation."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(opts: dict[str, Any], **extra: Any) -> Any:
    from mwaa_platform.upgrade.config import UpgradeConfig, UpgradeConfigError

    try:
        return UpgradeConfig(environment=opts["environment"], region=opts["region"], state_table=opts["state_table"],
                             canary_dag_id=opts.get("canary_dag"), backup_dag_id=opts.get("backup_dag") or "dr_backup",
                             restore_dag_id=opts.get("restore_dag") or "dr_restore",
                             snapshot=not opts.get("no_snapshot"), poll_seconds=opts.get("poll_seconds") or 10.0,
                             drain_timeout_seconds=int(opts.get("drain_timeout", 900)), **extra)
    except UpgradeConfigError as exc:
        click.echo(f"usage: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _fail(exc: BaseException) -> None:
    from mwaa_platform.upgrade.state import RefusedError

    if isinstance(exc, RefusedError):
        click.echo(f"refused: {exc}", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(f"failed: {type(exc).__name__}: {exc}\nthe upgrade state records the failed step; fix the cause, "
               "then run `mwaa-platform upgrade resume` (it continues after the last completed step) or "
               "`mwaa-platform upgrade rollback`", err=True)
    sys.exit(EXIT_FAILED)


def _act(config: Any, action: str, opts: dict[str, Any], **kwargs: Any) -> None:
    from mwaa_platform.upgrade.runbook import Runbook

    book = Runbook(config, _progress(opts["as_json"]))
    try:
        if opts["dry_run"] or not opts["yes"]:
            _emit(book.plan(action), opts["as_json"])
        if opts["dry_run"]:
            return
        if not opts["yes"] and not click.confirm(f"{action} now?", default=False, err=True):
            click.echo("nothing done", err=True)
            sys.exit(EXIT_REFUSED)
        result = getattr(book, action)(**kwargs)
    except Exception as exc:
        _fail(exc)
    _emit(result, opts["as_json"])


@group.command("execute")
@_state_options
@_run_options
@click.option("--to", "target", required=True, help="Target Airflow version.")
@click.option("--strategy", type=click.Choice(["in-place", "blue-green"]), default="in-place", show_default=True)
@click.option("--target-env", default=None, help="Blue-green: the new environment's name (default <env>-<M>-<m>).")
@click.option("--skip-check", is_flag=True,
              help="Do not run `upgrade check` first (the override is recorded in the upgrade state and result).")
def execute_cmd(target: str, strategy: str, target_env: str | None, skip_check: bool, **opts: Any) -> None:
    """Upgrade ENV to --to, step by step (state, lease, progress; `resume` after an interruption).

    `upgrade check` runs first on the environment's own files: a blocker refuses (exit 3, nothing changed)
    unless --skip-check."""
    config = _config(opts, target=target, strategy=strategy.replace("-", "_"), target_environment=target_env,
                     skip_check=skip_check)
    _act(config, "execute", opts)


@group.command("resume")
@_state_options
@_run_options
@click.option("--takeover", is_flag=True, help="Take the lease from a holder you know is gone.")
def resume_cmd(takeover: bool, **opts: Any) -> None:
    """Continue the interrupted or failed upgrade (or rollback) after its last completed step."""
    _act(_config(opts), "resume", opts, takeover=takeover)


@group.command("rollback")
@_state_options
@_run_options
def rollback_cmd(**opts: Any) -> None:
    """Undo the last upgrade: in place, UpdateEnvironment back; blue-green, unfence the old, fence the new."""
    _act(_config(opts), "rollback", opts)


@group.command("status")
@_state_options
def status_cmd(**opts: Any) -> None:
    """The environment's version and status, the current or last upgrade operation and its steps."""
    from mwaa_platform.upgrade.runbook import Runbook

    try:
        _emit(Runbook(_config(opts)).status(), opts["as_json"])
    except (ClientError, BotoCoreError) as exc:
        raise click.ClickException(f"AWS call failed: {exc}") from None
    except Exception as exc:
        _fail(exc)


@group.command("rehearse")
@_state_options
@click.option("--to", "target", required=True, help="Target Airflow version.")
@click.option("--dag", "dag_id", required=True, help="The DAG that must run to success on the copy.")
@click.option("--snapshot", default="latest", show_default=True, help="Snapshot id to restore, or latest.")
@click.option("--restore-dag", default="dr_restore", show_default=True, help="The metadata restore DAG.")
@click.option("--poll-seconds", type=click.FloatRange(0.5, 300), default=10.0, show_default=True)
def rehearse_cmd(target: str, dag_id: str, snapshot: str, **opts: Any) -> None:
    """On the local MWAA: a throwaway copy on --to, the snapshot restored, DAGs parsed, --dag run; torn down."""
    from mwaa_platform.upgrade.rehearse import rehearse

    opts["state_table"] = opts["state_table"] or "-"  # rehearse keeps no state
    config = _config(opts, target=target)
    try:
        report = rehearse(config, dag_id, snapshot, _progress(opts["as_json"]))
    except Exception as exc:
        _fail(exc)
    _emit(report, opts["as_json"])
    if not report.get("ok"):
        sys.exit(EXIT_FAILED)
