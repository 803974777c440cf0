"""``mwaa-platform versions``: the MWAA Airflow version table, version-change paths, and the version record."""

from __future__ import annotations

import json

import click

from mwaa_platform import versions


@click.group("versions")
def group() -> None:
    """MWAA Airflow versions: what is offered, how to move between them, what Terraform has recorded."""


@group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_cmd(as_json: bool) -> None:
    """Every version with its Python, status and end-of-support date."""
    rows = [{"version": r.version, "python": r.python, "status": r.status,
             "end_of_support": r.end_of_support.isoformat() if r.end_of_support else None,
             "runs_locally": bool(r.constraints)} for r in versions.all_versions().values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        eos = f" (end of support {row['end_of_support']})" if row["end_of_support"] else ""
        click.echo(f"{row['version']:8} python {row['python']:5} {row['status']}{eos}")


@group.command("path")
@click.option("--from", "current", required=True, help="The environment's version now.")
@click.option("--to", "target", required=True, help="The version to move to.")
def path_cmd(current: str, target: str) -> None:
    """How MWAA moves an environment between two versions: in place, or a new environment."""
    try:
        target_row = versions.get(target)
        versions.parse(current)
    except versions.UnknownVersionError as exc:
        raise click.UsageError(str(exc)) from exc
    if not target_row.offered:
        raise click.ClickException(f"Airflow {target} is not offered by MWAA (status: {target_row.status})")
    path = versions.change_path(current, target)
    click.echo(path)
    reason = versions.change_refusal(current, target)
    if reason:
        click.echo(reason, err=True)


@group.command("record")
@click.option("--env", "environment", required=True, help="MWAA environment name.")
@click.option("--region", default=None, help="Region (default: the AWS default region).")
def record_cmd(environment: str, region: str | None) -> None:
    """Record the version an environment runs now for the Terraform module's major-version guard.

    Run it after changing the version in place outside Terraform (console, CLI, the upgrade runbook), so that
    a plan with the new version in the tfvars is clean.
    """
    from mwaa_platform.versions.record import RecordError, record

    try:
        version = record(environment, region)
    except RecordError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{environment}: recorded Airflow {version}")
