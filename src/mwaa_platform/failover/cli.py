"""``mwaa-platform failover status|plan|execute|resume|failback``: the DR runbook.

The configuration is the one the failover Lambdas use: ``--config FILE``, else MWAA_PLATFORM_FAILOVER_CONFIG,
else the SSM parameter /mwaa-platform/<env>/failover/config in the secondary region (``--secondary-region``,
default AWS_REGION). Exit codes: 0 done, 1 bad usage or configuration, 3 refused (nothing was changed by
the refused step), 4 a step failed (the state table says which; fix it and run ``resume``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.failover.config import ENV_VARIABLE, FailoverConfig, ssm_parameter_name
from mwaa_platform.failover.errors import ConfigError, FailoverError, RefusedError

EXIT_REFUSED = 3
EXIT_FAILED = 4


def load_config(env: str, config_file: Path | None, secondary_region: str | None) -> FailoverConfig:
    if config_file is not None:
        config = FailoverConfig.from_file(config_file)
    elif os.environ.get(ENV_VARIABLE):
        config = FailoverConfig.from_environment()
    else:
        from mwaa_platform import aws

        region = secondary_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise ConfigError("give --secondary-region (the failover configuration lives in its SSM parameter store)")
        name = ssm_parameter_name(env)
        try:
            text = aws.client("ssm", region).get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except Exception as exc:  # botocore error classes are per-client
            raise ConfigError(f"cannot read the failover configuration {name} in {region}: {exc}. Apply "
                              "modules/dr-failover in the secondary region, or pass --config FILE") from None
        config = FailoverConfig.from_json(text)
    if config.env != env:
        raise ConfigError(f"the configuration is for env {config.env!r}, not {env!r}")
    return config


def _context(opts: dict[str, Any]) -> Any:
    from mwaa_platform.failover.context import Context
    from mwaa_platform.failover.runbook import runbook_execution_id

    config = load_config(opts["env"], opts["config_file"], opts["secondary_region"])
    return Context(config, execution_id=runbook_execution_id())


def _printer(as_json: bool) -> Any:
    def progress(event: dict[str, Any]) -> None:
        if as_json:
            click.echo(json.dumps(event, default=str, sort_keys=True), err=True)
            return
        kind, step = event.get("event"), event.get("step")
        if kind == "step_started":
            click.echo(f"[{event['index']}/{event['total']}] {step} ...", err=True)
        elif kind == "step_waiting":
            click.echo(f"      {step}: waiting ({(event.get('detail') or {}).get('status', '')})", err=True)
        elif kind == "step_finished":
            result = event.get("result") or {}
            brief = {k: result[k] for k in ("decision", "summary", "result", "created", "status", "dag_run_id",
                                            "unpaused", "verified", "active_region", "operation")
                     if k in result}
            took = f" {event['seconds']}s" if "seconds" in event else ""
            click.echo(f"      {step}: {event.get('status')}{took} {json.dumps(brief, default=str)}", err=True)

    return progress


def _fail(exc: Exception) -> None:
    if isinstance(exc, RefusedError):
        click.echo(f"refused: {exc}", err=True)
        sys.exit(EXIT_REFUSED)
    if isinstance(exc, ConfigError):
        click.echo(f"configuration: {exc}", err=True)
        sys.exit(1)
    code = exc.code if isinstance(exc, FailoverError) else type(exc).__name__
    click.echo(f"failed: {code}: {exc}\nthe failover state records the failed step; fix the cause, then run "
               "`mwaa-platform failover resume` (it continues after the last completed step)", err=True)
    sys.exit(EXIT_FAILED)


def _aws_error(exc: BotoCoreError | ClientError) -> click.ClickException:
    """A read-only command that AWS refused: exit 1 with the reason (credentials, region), not a traceback."""
    return click.ClickException(f"AWS call failed: {exc}")


def _emit(result: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=1, default=str, sort_keys=True))
    else:
        click.echo(_render(result))


def _render(doc: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(doc, dict):
        lines = []
        for key, value in doc.items():
            if isinstance(value, dict | list) and value:
                lines.append(f"{pad}{key}:")
                lines.append(_render(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {value}")
        return "\n".join(lines)
    if isinstance(doc, list):
        return "\n".join(f"{pad}- {json.dumps(item, default=str)}" for item in doc)
    return f"{pad}{doc}"


_common = [
    click.option("--env", "env", required=True, help="Platform environment (e.g. prod, local)."),
    click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                 help="Failover configuration JSON (default: the SSM parameter the dr-failover module writes)."),
    click.option("--secondary-region", envvar="MWAA_PLATFORM_SECONDARY_REGION",
                 help="Region of the failover state and configuration (default: AWS_REGION)."),
    click.option("--json", "as_json", is_flag=True, help="JSON result on stdout, JSON progress lines on stderr."),
]


def _options(func: Any) -> Any:
    for option in reversed(_common):
        func = option(func)
    return func


@click.group("failover")
def group() -> None:
    """DR runbook: status, plan, execute, resume, failback (the same steps as the state machine)."""


@group.command()
@_options
def status(**opts: Any) -> None:
    """Who is active, the current operation and its steps, and the primary's health evidence."""
    from mwaa_platform.failover.runbook import Runbook

    try:
        _emit(Runbook(_context(opts)).status(), opts["as_json"])
    except (FailoverError, ConfigError) as exc:
        _fail(exc)
    except (BotoCoreError, ClientError) as exc:
        raise _aws_error(exc) from None


@group.command()
@_options
@click.option("--operation", type=click.Choice(["failover", "failback"]), default="failover", show_default=True)
def plan(operation: str, **opts: Any) -> None:
    """What execute / resume / failback would do, step by step, with the evidence (changes nothing)."""
    from mwaa_platform.failover.runbook import Runbook

    try:
        _emit(Runbook(_context(opts)).plan(operation), opts["as_json"])
    except (FailoverError, ConfigError) as exc:
        _fail(exc)
    except (BotoCoreError, ClientError) as exc:
        raise _aws_error(exc) from None


def _run(opts: dict[str, Any], kind: str, action: str, dry_run: bool, yes: bool, **kwargs: Any) -> None:
    from mwaa_platform.failover.runbook import Runbook

    try:
        book = Runbook(_context(opts), _printer(opts["as_json"]))
        if dry_run or not yes:
            _emit(book.plan(kind), opts["as_json"])
        if dry_run:
            return
        if not yes and not click.confirm(f"{action} now?", default=False, err=True):
            click.echo("nothing done", err=True)
            sys.exit(EXIT_REFUSED)
        result = book.resume(kind, **kwargs) if action == "resume" else book.execute(kind, **kwargs)
        _emit(result, opts["as_json"])
    except (FailoverError, ConfigError) as exc:
        _fail(exc)
    except Exception as exc:
        _fail(exc)


@group.command()
@_options
@click.option("--dry-run", is_flag=True, help="Show the plan and the evidence only.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Fail over even when the primary does not look unhealthy.")
def execute(dry_run: bool, yes: bool, force: bool, **opts: Any) -> None:
    """Fail over to the secondary region, step by step (refused unless the primary is unhealthy or --force)."""
    _run(opts, "failover", "fail over", dry_run, yes, force=force)


@group.command()
@_options
@click.option("--dry-run", is_flag=True, help="Show what is done and what is left only.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--takeover", is_flag=True, help="Take the lease from a holder you know is gone.")
def resume(dry_run: bool, yes: bool, takeover: bool, **opts: Any) -> None:
    """Continue the interrupted or failed operation after its last completed step."""
    from mwaa_platform.failover.runbook import Runbook

    try:
        op = (Runbook(_context(opts)).status(with_health=False).get("operation") or {})
    except (FailoverError, ConfigError) as exc:
        _fail(exc)
    except (BotoCoreError, ClientError) as exc:
        raise _aws_error(exc) from None
    _run(opts, str(op.get("kind") or "failover"), "resume", dry_run, yes, takeover=takeover)


@group.command()
@_options
@click.option("--dry-run", is_flag=True, help="Show the plan and the evidence only.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def failback(dry_run: bool, yes: bool, **opts: Any) -> None:
    """Return to the primary region: fence the secondary, final backup, restore into the primary, unpause."""
    _run(opts, "failback", "fail back", dry_run, yes)
