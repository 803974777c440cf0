"""``mwaa-platform api``: trigger DAGs, list DAGs and runs, import variables/connections, load-test.

Target an MWAA environment (``--env NAME``, via the web login or InvokeRestApi) or a plain Airflow
(``--url``, ``--username``, password from ``AIRFLOW_PASSWORD``). Secrets are never printed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient, Progress

EXIT_RUN_FAILED = 1
EXIT_WAIT_TIMEOUT = 3


def _client(ctx: click.Context, pool_size: int = 10) -> AirflowClient:
    from mwaa_platform.airflow_api.transport_factory import make_client

    try:
        return make_client(pool_size=pool_size, **dict(ctx.obj or {}))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(f"{type(exc).__name__}: {exc}")


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except errors.AirflowApiError as exc:
        raise _fail(exc) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@click.group("api")
@click.option("--env", "environment", envvar="MWAA_ENVIRONMENT_NAME", help="MWAA environment name.")
@click.option("--via", type=click.Choice(["web", "invoke"]), default="web", show_default=True,
              help="MWAA transport: web login token session, or the InvokeRestApi AWS API.")
@click.option("--region", envvar="AWS_REGION", help="AWS region of the environment.")
@click.option("--url", envvar="AIRFLOW_URL", help="A plain Airflow web/api server instead of MWAA.")
@click.option("--username", envvar="AIRFLOW_USERNAME", help="User for --url.")
@click.option("--password", envvar="AIRFLOW_PASSWORD", hide_input=True,
              help="Password for --url (prefer the AIRFLOW_PASSWORD variable).")
@click.option("--api-version", type=click.Choice(["v1", "v2"]), help="Skip detection for --url.")
@click.option("--airflow-version", help="Environment's Airflow version (skips GetEnvironment).")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--read-timeout", type=click.FloatRange(1, 300), default=30.0, show_default=True)
@click.pass_context
def group(ctx: click.Context, **options: Any) -> None:
    """Airflow REST API: DAGs, runs, trigger, imports, load test."""
    ctx.obj = {k: v for k, v in options.items() if v is not None}


@group.command("dags")
@click.option("--limit", type=click.IntRange(1, 10000), help="At most this many DAGs.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def dags_cmd(ctx: click.Context, limit: int | None, as_json: bool) -> None:
    """List DAGs."""
    with _client(ctx) as client:
        dags = _run(lambda: client.list_dags(limit))
    if as_json:
        click.echo(json.dumps(dags, indent=1, default=str))
        return
    for dag in dags:
        paused = "paused" if dag.get("is_paused") else "active"
        click.echo(f"{dag.get('dag_id')}\t{paused}\t{dag.get('timetable_description') or ''}")


def _conf(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    try:
        conf = json.loads(text)
    except ValueError:
        raise click.BadParameter("conf is not valid JSON", param_hint="--conf") from None
    if not isinstance(conf, dict):
        raise click.BadParameter("conf must be a JSON object", param_hint="--conf")
    return conf


@group.command("trigger")
@click.argument("dag_id")
@click.option("--conf", help="JSON object, or @file.json.")
@click.option("--logical-date", help="ISO 8601 with timezone, e.g. 2025-01-31T00:00:00Z.")
@click.option("--run-id", help="Run id (default: api__<time>__<random>).")
@click.option("--unpause", is_flag=True, help="Unpause the DAG first (new MWAA DAGs start paused).")
@click.option("--wait/--no-wait", default=False, help="Wait for the run to finish, printing progress.")
@click.option("--timeout", type=click.FloatRange(1, 86400), default=3600, show_default=True)
@click.option("--poll", type=click.FloatRange(0.5, 600), default=10, show_default=True)
@click.pass_context
def trigger_cmd(ctx: click.Context, dag_id: str, conf: str | None, logical_date: str | None, run_id: str | None,
                unpause: bool, wait: bool, timeout: float, poll: float) -> None:
    """Trigger DAG_ID (optionally wait for it). Exit 1 if the run failed, 3 on wait timeout."""
    conf_obj = _conf(conf)
    with _client(ctx) as client:
        if unpause:
            _run(lambda: client.set_paused(dag_id, False))
        run = _run(lambda: client.trigger(dag_id, conf=conf_obj, logical_date=logical_date, run_id=run_id))
        click.echo(f"triggered {run.dag_id} {run.run_id} ({run.state})")
        if not wait:
            return

        def progress(p: Progress) -> None:
            click.echo(p.line(), err=True)

        try:
            run = client.wait_for_run(dag_id, run.run_id, timeout=timeout, poll_interval=poll, on_progress=progress)
        except errors.WaitTimeoutError as exc:
            click.echo(f"timeout: {exc}", err=True)
            sys.exit(EXIT_WAIT_TIMEOUT)
        except errors.AirflowApiError as exc:
            raise _fail(exc) from None
    click.echo(f"{run.dag_id} {run.run_id}: {run.state}")
    if run.state != "success":
        sys.exit(EXIT_RUN_FAILED)


@group.command("runs")
@click.argument("dag_id")
@click.option("--limit", type=click.IntRange(1, 1000), default=25, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def runs_cmd(ctx: click.Context, dag_id: str, limit: int, as_json: bool) -> None:
    """List the newest runs of DAG_ID."""
    with _client(ctx) as client:
        runs = _run(lambda: client.list_runs(dag_id, limit))
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in runs], indent=1, default=str))
        return
    for r in runs:
        click.echo(f"{r.run_id}\t{r.state}\t{r.logical_date or '-'}\t{r.start_date or '-'}\t{r.end_date or '-'}")


def _import(ctx: click.Context, kind: str, path: Path, dry_run: bool) -> None:
    from mwaa_platform.airflow_api import importer

    try:
        doc = importer.load_document(path)
        entries: Any = importer.parse_variables(doc) if kind == "variables" else importer.parse_connections(doc)
    except importer.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    if dry_run:
        click.echo(f"{kind}: {len(entries)} valid entries (dry run, nothing imported)")
        for key in entries:
            click.echo(f"  {key}")
        return
    with _client(ctx) as client:
        if kind == "variables":
            report = _run(lambda: importer.import_variables(client, entries))
        else:
            report = _run(lambda: importer.import_connections(client, entries))
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@group.group("variables")
def variables_group() -> None:
    """Airflow variables."""


@variables_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate the file only.")
@click.pass_context
def variables_import(ctx: click.Context, path: Path, dry_run: bool) -> None:
    """Create or update variables from a JSON/YAML file {key: value}. Values are never printed."""
    _import(ctx, "variables", path, dry_run)


@group.group("connections")
def connections_group() -> None:
    """Airflow connections."""


@connections_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate the file only.")
@click.pass_context
def connections_import(ctx: click.Context, path: Path, dry_run: bool) -> None:
    """Create or update connections from a JSON/YAML file {conn_id: fields or URI}. Secrets never printed."""
    _import(ctx, "connections", path, dry_run)


@group.command("load-test")
@click.option("--qps", type=click.FloatRange(0.1, 50), default=5, show_default=True)
@click.option("--duration", type=click.FloatRange(1, 900), default=60, show_default=True, help="Seconds.")
@click.option("--target", type=click.Choice(["dags", "health", "version"]), default="dags", show_default=True)
@click.option("--workers", type=click.IntRange(1, 32), default=8, show_default=True)
@click.option("--out", "out_png", type=click.Path(dir_okay=False, path_type=Path), default=Path("loadtest.png"),
              show_default=True, help="Latency-over-time PNG.")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), help="Samples + summary as JSON.")
@click.pass_context
def load_test_cmd(ctx: click.Context, qps: float, duration: float, target: str, workers: int, out_png: Path,
                  json_out: Path | None) -> None:
    """Bounded load test: QPS for DURATION, latency percentiles, error counts, PNG plot."""
    from mwaa_platform.airflow_api import loadtest

    with _client(ctx, pool_size=workers) as client:
        call = loadtest.target_call(client, target)
        _run(call)  # authenticate once up front, so login latency is not a sample
        result = loadtest.run(call, qps, duration, target=target, max_workers=workers)
    summary = result.summary()
    click.echo(json.dumps(summary, indent=1))
    result.plot(out_png)
    click.echo(f"plot: {out_png}")
    if json_out:
        result.write_json(json_out)
