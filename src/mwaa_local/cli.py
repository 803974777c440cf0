"""``mwaa-platform local``: the embedded default (AWS emulator + PostgreSQL + local MWAA) up, down, status.

``up`` prints only ``export`` lines on stdout, so ``eval "$(mwaa-platform local up)"`` points the shell's
boto3 and Terraform at the emulator and the local MWAA; progress goes to stderr. Every process is
recorded by pid under the state dir and ``down`` stops those and nothing else.
"""

from __future__ import annotations

import json
import shlex
import time
from typing import Any

import click

from mwaa_local import process
from mwaa_local.emulator import ACCOUNT_ID, Emulator
from mwaa_local.mwaa import DEFAULT_PORT, mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_platform.paths import state_dir


def _cluster(pg_port: int) -> Cluster:
    return Cluster(state_dir() / "pg", pg_port)


def _mwaa(port: int, pg_port: int, emulator_env: dict[str, str], options: dict[str, Any] | None = None) -> LocalMwaa:
    return LocalMwaa(pg_port=pg_port, pg_root=state_dir() / "pg", emulator_env=emulator_env, port=port,
                     root=state_dir() / "mwaa", options=options or {})


def _running_mwaa() -> LocalMwaa:
    """The local MWAA recorded in the state dir (its port comes from the pid file)."""
    pid_file = state_dir() / "mwaa" / "mwaa.pid"
    rec = process.running(pid_file)
    if rec is None or rec.port is None:
        raise click.ClickException("the local MWAA is not running: start it with `mwaa-platform local up`")
    return _mwaa(rec.port, 0, {})


def _exports(env: dict[str, str]) -> str:
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())


@click.group("local")
def group() -> None:
    """Embedded default: AWS emulator, PostgreSQL, local MWAA (real Airflow)."""


_ports = [
    click.option("--emulator-port", type=int, envvar="EMULATOR_PORT", default=4566, show_default=True),
    click.option("--mwaa-port", type=int, envvar="MWAA_PORT", default=DEFAULT_PORT, show_default=True),
    click.option("--pg-port", type=int, envvar="MWAA_PLATFORM_PG_PORT", default=55432, show_default=True),
    click.option("--region", envvar="AWS_REGION", default="us-east-1", show_default=True),
]


def _with_ports(func: Any) -> Any:
    for option in reversed(_ports):
        func = option(func)
    return func


@group.command()
@_with_ports
@click.option("--default-runtime", type=click.Choice(["airflow", "none"]), envvar="MWAA_LOCAL_DEFAULT_RUNTIME",
              default="airflow", show_default=True,
              help="Environments run a real Airflow ('airflow') or only the control plane ('none'); "
                   "the tag mwaa-local:runtime overrides it per environment.")
@click.option("--metrics-period", type=float, envvar="MWAA_LOCAL_METRICS_PERIOD", default=60.0, show_default=True,
              help="Seconds per AmazonMWAA metrics datapoint (SchedulerHeartbeat).")
@click.option("--webserver", type=click.Choice(["lazy", "eager"]), envvar="MWAA_LOCAL_WEBSERVER", default="lazy",
              show_default=True, help="Start Airflow 2 webservers on the first token request, or with the env.")
def up(emulator_port: int, mwaa_port: int, pg_port: int, region: str, default_runtime: str,
       metrics_period: float, webserver: str) -> None:
    """Start the emulator, PostgreSQL and the local MWAA; print the variables to export."""
    emulator = Emulator(port=emulator_port)
    click.echo(f"AWS emulator on 127.0.0.1:{emulator_port} ...", err=True)
    emulator.start()
    cluster = _cluster(pg_port)
    click.echo(f"PostgreSQL on 127.0.0.1:{pg_port} ...", err=True)
    cluster.start()
    if cluster.relocated:
        click.echo(f"PostgreSQL data in {cluster.data_dir} (its unprivileged owner cannot reach {cluster.root})",
                   err=True)
    mwaa = _mwaa(mwaa_port, pg_port, emulator.env(region),
                 {"default_runtime": default_runtime, "metrics_period": metrics_period, "webserver": webserver})
    click.echo(f"local MWAA on 127.0.0.1:{mwaa_port} ...", err=True)
    mwaa.start()
    emulator.set_lambda_env(mwaa_env(mwaa_port))  # Lambdas run by the emulator reach the local MWAA too
    click.echo("up; run: eval \"$(mwaa-platform local env)\" in other shells", err=True)
    click.echo(_exports(mwaa.env()))


@group.command("env")
@_with_ports
def env_command(emulator_port: int, mwaa_port: int, pg_port: int, region: str) -> None:
    """Print the variables to export for the running embedded default (nothing is started)."""
    emulator_env = Emulator(port=emulator_port).env(region)
    click.echo(_exports(_mwaa(mwaa_port, pg_port, emulator_env).env()))


@group.command()
@_with_ports
def down(emulator_port: int, mwaa_port: int, pg_port: int, region: str) -> None:
    """Stop what `up` started: local MWAA (and every Airflow process), PostgreSQL, the emulator."""
    stopped_mwaa = _mwaa(mwaa_port, pg_port, {}).stop()
    click.echo(f"local MWAA: {'stopped' if stopped_mwaa else 'was not running'}", err=True)
    cluster = _cluster(pg_port)
    was_running = cluster.running()
    cluster.stop()
    click.echo(f"PostgreSQL: {'stopped' if was_running else 'was not running'}", err=True)
    stopped_emulator = Emulator(port=emulator_port).stop()
    click.echo(f"AWS emulator: {'stopped' if stopped_emulator else 'was not running'}", err=True)


@group.command()
@_with_ports
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(emulator_port: int, mwaa_port: int, pg_port: int, region: str, as_json: bool) -> None:
    """Is each component running, and the local MWAA environments."""
    mwaa = _mwaa(mwaa_port, pg_port, {})
    report: dict[str, Any] = {
        "emulator": bool(Emulator(port=emulator_port).running()),
        "postgres": _cluster(pg_port).running(),
        "mwaa": bool(mwaa.running()),
        "environments": mwaa.environments() if mwaa.running() else [],
    }
    if as_json:
        click.echo(json.dumps(report, indent=1, default=str))
        return
    for name in ("emulator", "postgres", "mwaa"):
        click.echo(f"{name:9} {'running' if report[name] else 'stopped'}")
    for env in report["environments"]:
        click.echo(f"  {env['Region']}/{env['Name']:30} {env['Status']:14} Airflow {env['AirflowVersion']} "
                   f"({env['Runtime']}) {env['WebserverUrl']}")


# -- debugging ---------------------------------------------------------------------------------------------
@group.group("mwaa")
def mwaa_group() -> None:
    """Debug the local MWAA's environments (list, kill-scheduler, kill-region, restart, logs)."""


def _env_path(name: str, region: str, account: str) -> str:
    return f"environments/{account}/{region}/{name}"


_env_options = [
    click.argument("name"),
    click.option("--region", envvar="AWS_REGION", default="us-east-1", show_default=True),
    click.option("--account", default=ACCOUNT_ID, show_default=True),
]


def _with_env(func: Any) -> Any:
    for option in reversed(_env_options):
        func = option(func)
    return func


@mwaa_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_environments(as_json: bool) -> None:
    """Every environment with status, runtime, processes and memory."""
    envs = _running_mwaa().environments()
    if as_json:
        click.echo(json.dumps(envs, indent=1, default=str))
        return
    for env in envs:
        procs = env.get("Processes", {})
        alive = ",".join(c for c, ok in procs.get("components", {}).items() if ok) or "-"
        memory = sum(procs.get("memory_kb", {}).values()) // 1024
        click.echo(f"{env['Account']}/{env['Region']}/{env['Name']}: {env['Status']} Airflow {env['AirflowVersion']} "
                   f"{env['Runtime']} processes={alive} memory={memory}MB startup={env.get('StartupSeconds')}s")


def _admin(method: str, path: str, **params: Any) -> Any:
    answer = _running_mwaa().admin(method, path, **params)
    if answer.status_code >= 400:
        raise click.ClickException(answer.text)
    return answer


@mwaa_group.command("kill-scheduler")
@_with_env
def kill_scheduler(name: str, region: str, account: str) -> None:
    """SIGKILL an environment's scheduler (a regional failure: the heartbeat stops)."""
    killed = _admin("POST", f"{_env_path(name, region, account)}/kill-scheduler").json()["killed"]
    click.echo("scheduler killed" if killed else "the scheduler was not running")


@mwaa_group.command("kill-region")
@_with_env
def kill_region(name: str, region: str, account: str) -> None:
    """SIGKILL an environment's scheduler, Celery workers, triggerer and DAG processor (the region is gone; the
    MWAA API stays): running tasks die, what is queued in SQS stays there."""
    killed = _admin("POST", f"{_env_path(name, region, account)}/kill-region").json()["killed"]
    click.echo(f"killed: {', '.join(killed)}" if killed else "nothing was running")


@mwaa_group.command("restart")
@_with_env
def restart(name: str, region: str, account: str) -> None:
    """Start whatever components of an environment are not running."""
    started = _admin("POST", f"{_env_path(name, region, account)}/restart").json()["restarting"]
    click.echo("restarting" if started else "busy: a job for this environment is in progress")


@mwaa_group.command("start-webserver")
@_with_env
def start_webserver(name: str, region: str, account: str) -> None:
    """Start the (lazy) web server now and wait until it answers."""
    click.echo(_admin("POST", f"{_env_path(name, region, account)}/start-webserver").json()["web"])


@mwaa_group.command("logs")
@_with_env
@click.option("--component", default="scheduler", show_default=True,
              help="CloudWatch: scheduler, dag-processing, task, webserver, worker (LoggingConfiguration modules); "
                   "--local: scheduler, webserver, api-server, dag-processor, triggerer, startup (log files)")
@click.option("--stream", "stream_prefix", default="", help="only log streams starting with this (task: dag_id=<d>/)")
@click.option("--follow", is_flag=True, help="keep printing new events until interrupted")
@click.option("--lines", type=int, default=100, show_default=True, help="how many of the latest events/lines")
@click.option("--local", "from_file", is_flag=True, help="the tail of the component's log file (not CloudWatch)")
def logs(name: str, region: str, account: str, component: str, stream_prefix: str, follow: bool, lines: int,
         from_file: bool) -> None:
    """An environment's logs from the emulator's CloudWatch Logs (groups airflow-<name>-<Module>)."""
    path = _env_path(name, region, account)
    if from_file:
        click.echo(_admin("GET", f"{path}/logs", component=component, lines=lines).text)
        return
    seen: set[str] = set()
    start: int | None = None
    latest = lines
    while True:
        params: dict[str, Any] = {"component": component}
        if start is not None:
            params["start"] = start
        events = [e for e in _admin("GET", f"{path}/cloudwatch-logs", **params).json()["events"]
                  if e["stream"].startswith(stream_prefix) and _event_key(e) not in seen]
        for event in events[-latest:] if latest else events:
            click.echo(f"{event['stream']}: {event['message']}")
        for event in events:
            seen.add(_event_key(event))
            start = max(start or 0, int(event["timestamp"]))
        if not follow:
            return
        latest = 0
        time.sleep(2)


def _event_key(event: dict[str, Any]) -> str:
    return str(event.get("id") or f"{event['stream']}/{event['timestamp']}/{event['message']}")
