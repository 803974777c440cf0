"""``mwaa-platform sso grant|revoke|list``: manage who may open which environment with which Airflow role."""

from __future__ import annotations

import json
import os

import click

from mwaa_platform.sso import roles
from mwaa_platform.sso.authz import AuthorizationTable, group_principal, user_principal

TABLE_ENV = "MWAA_SSO_TABLE"


def _table(ctx: click.Context) -> AuthorizationTable:
    name = ctx.params.get("table") or os.environ.get(TABLE_ENV)
    if not name:
        raise click.UsageError(f"name the authorization table with --table or {TABLE_ENV} "
                               "(the sso-alb module's table_name output)")
    return AuthorizationTable(name, ctx.params.get("region"))


def _principal(user: str | None, group: str | None, required: bool = True) -> str | None:
    if user and group:
        raise click.UsageError("give --user or --group, not both")
    if not user and not group:
        if required:
            raise click.UsageError("give --user EMAIL_OR_ID or --group NAME")
        return None
    try:
        return user_principal(user) if user else group_principal(group or "")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _environment(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return roles.check_environment_key(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--environment") from None


def _who() -> str:
    try:
        from mwaa_platform import aws
        return str(aws.client("sts", connect_timeout=2, read_timeout=5).get_caller_identity()["Arn"])
    except Exception:  # who granted is informative only
        return ""


table_option = click.option("--table", help=f"Authorization table name (default: ${TABLE_ENV}).")
region_option = click.option("--region", help="Region of the table (default: the AWS SDK's).")
user_option = click.option("--user", help="User id as the IdP sends it in the user claim (e-mail by default).")
group_option = click.option("--group", help="IdP group name as sent in the groups claim.")


@click.group("sso", help="Authorizations for single sign-on to the Airflow UI.")
def group() -> None:
    """Manage the sso-alb authorization table."""


@group.command("grant")
@table_option
@region_option
@user_option
@group_option
@click.option("--environment", "-e", required=True, help="Environment key (a key of the module's environments map).")
@click.option("--role", "-r", "rbac_role", required=True, type=click.Choice(roles.RBAC_ROLES, case_sensitive=False),
              help="Airflow RBAC role.")
@click.pass_context
def grant(ctx: click.Context, table: str | None, region: str | None, user: str | None, group: str | None,
          environment: str, rbac_role: str) -> None:
    """Let a user or group open ENVIRONMENT as ROLE (replaces an earlier role on that environment)."""
    principal = _principal(user, group)
    env = _environment(environment)
    assert principal and env
    result = _table(ctx).grant(principal, env, roles.canonical_role(rbac_role), granted_by=_who())
    click.echo(f"{result}: {principal} -> {env} as {roles.canonical_role(rbac_role)}")


@group.command("revoke")
@table_option
@region_option
@user_option
@group_option
@click.option("--environment", "-e", required=True, help="Environment key.")
@click.pass_context
def revoke(ctx: click.Context, table: str | None, region: str | None, user: str | None, group: str | None,
           environment: str) -> None:
    """Remove a user's or group's access to ENVIRONMENT."""
    principal = _principal(user, group)
    env = _environment(environment)
    assert principal and env
    removed = _table(ctx).revoke(principal, env)
    click.echo(f"{'revoked' if removed else 'nothing to revoke'}: {principal} -> {env}")


@group.command("list")
@table_option
@region_option
@user_option
@group_option
@click.option("--environment", "-e", help="Only grants on this environment key.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_grants(ctx: click.Context, table: str | None, region: str | None, user: str | None, group: str | None,
                environment: str | None, as_json: bool) -> None:
    """Show grants, optionally for one user/group and/or one environment."""
    grants = _table(ctx).list(_principal(user, group, required=False), _environment(environment))
    for g in grants:
        if as_json:
            click.echo(json.dumps(g.as_dict(), sort_keys=True))
        else:
            click.echo(f"{g.environment:<24} {g.rbac_role:<7} {g.principal:<40} {g.granted_at}")
    if not as_json:
        click.echo(f"{len(grants)} grant(s)")
