"""``mwaa-platform endpoints ...``: the Lambda's flows by hand, with the same code and validation.

``reconcile --env NAME`` reads the environment with GetEnvironment and runs the PENDING flow (or the
DELETED flow with ``--status DELETED``); ``handle EVENT.json`` runs exactly what the Lambda runs on a
saved event; ``list --env NAME`` shows the endpoints the automation manages for an environment.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from mwaa_platform import aws, logs
from mwaa_platform.endpoints import events, handler, reconcile, vpc_endpoints


def fetch_environment(name: str, region: str | None) -> dict[str, Any]:
    environment: dict[str, Any] = aws.client("mwaa", region).get_environment(Name=name)["Environment"]
    return environment


def _settings(region: str | None, accounts: tuple[str, ...], vpcs: tuple[str, ...]) -> handler.Settings:
    base = handler.Settings.from_env()
    return handler.Settings(region or base.region, accounts or base.allowed_accounts, vpcs or base.allowed_vpcs,
                            queue_accounts=base.queue_accounts)


def _emit(outcome: reconcile.Outcome) -> None:
    click.echo(json.dumps(outcome.as_dict(), indent=2, sort_keys=True))
    if outcome.action == "rejected":
        sys.exit(2)


@click.group("endpoints")
def group() -> None:
    """MWAA customer-managed VPC endpoint automation (the PENDING handler, by hand)."""
    logs.configure()


@group.command("reconcile")
@click.option("--env", "env_name", required=True, help="MWAA environment name.")
@click.option("--region", default=None, help="Region (default: AWS_REGION).")
@click.option("--status", type=click.Choice([events.PENDING, events.DELETED]), default=events.PENDING,
              show_default=True, help="Which flow to run.")
@click.option("--allowed-vpc", "vpcs", multiple=True, help="Only act in these VPCs (repeatable).")
def reconcile_command(env_name: str, region: str | None, status: str, vpcs: tuple[str, ...]) -> None:
    """Create (or, with --status DELETED, remove) the endpoints of one environment."""
    settings = _settings(region, (), vpcs)
    environment = fetch_environment(env_name, settings.region)
    if status == events.PENDING and environment.get("EndpointManagement") != "CUSTOMER":
        raise click.ClickException(f"{env_name} has EndpointManagement={environment.get('EndpointManagement')}; "
                                   "MWAA manages its endpoints itself")
    _emit(handler.process(events.from_environment(environment, status), settings))


@group.command("cleanup")
@click.option("--env", "env_name", required=True, help="Name of the deleted environment.")
@click.option("--account", required=True, help="Account id the environment belonged to.")
@click.option("--region", default=None, help="Region (default: AWS_REGION).")
def cleanup_command(env_name: str, account: str, region: str | None) -> None:
    """Remove what the automation made for an environment that no longer exists."""
    settings = _settings(region, (), ())
    event = {"source": events.SOURCE, "detail-type": events.DETAIL_TYPE, "account": account,
             "region": settings.region, "detail": {"name": env_name, "status": events.DELETED}}
    _emit(handler.process(event, settings))


@group.command("handle")
@click.argument("event_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--region", default=None, help="Region (default: AWS_REGION).")
@click.option("--allowed-account", "accounts", multiple=True, help="Accept only these accounts (repeatable).")
def handle_command(event_file: Path, region: str | None, accounts: tuple[str, ...]) -> None:
    """Run the Lambda's logic on a saved EventBridge event (JSON file)."""
    try:
        event = json.loads(event_file.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:  # ValueError: not JSON or not UTF-8; RecursionError: nested too deep
        raise click.ClickException(f"{event_file} is not JSON (UTF-8): {type(exc).__name__}") from None
    _emit(handler.process(event, _settings(region, accounts, ())))


@group.command("list")
@click.option("--env", "env_name", required=True, help="MWAA environment name.")
@click.option("--account", required=True, help="Account id the environment belongs to.")
@click.option("--region", default=None, help="Region (default: AWS_REGION).")
def list_command(env_name: str, account: str, region: str | None) -> None:
    """Show the endpoints the automation manages for an environment."""
    settings = _settings(region, (), ())
    change = events.StatusChange(name=env_name, status=events.DELETED, account=account, region=settings.region)
    found = vpc_endpoints.managed_endpoints(aws.client("ec2", settings.region), change)
    rows = [{"id": e["VpcEndpointId"], "vpc": e["VpcId"], "service": e["ServiceName"], "state": e.get("State")}
            for e in found]
    click.echo(json.dumps(rows, indent=2))
