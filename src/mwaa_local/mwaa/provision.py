"""The work behind CREATING and UPDATING: files from S3, requirements, plugins, startup script, DB, processes.

Every step raises :class:`ProvisionError` with an error code and a message for ``LastUpdate.Error``, so
the lifecycle can turn a failure into CREATE_FAILED or a rollback with the reason visible in the API.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_local.mwaa import celery_workers, dagsync, logshipping, versionchange
from mwaa_local.mwaa.database import DatabaseError
from mwaa_local.mwaa.errors import ProvisionError
from mwaa_local.mwaa.identity import client
from mwaa_local.mwaa.runtime import PLUGIN_FILE, EnvRuntime, StartError
from mwaa_local.mwaa.store import Record
from mwaa_platform import airflow_runtime
from mwaa_platform.airflow_runtime import requirements

log = logging.getLogger(__name__)


def _s3(record: Record) -> Any:
    local = record["_local"]
    return client("s3", local["access_key_id"], local["region"])


def _bucket(record: Record) -> str:
    return dagsync.bucket_name(record["SourceBucketArn"])


def fetch_file(rt: EnvRuntime, path_field: str, version_field: str, name: str) -> Any:
    record = rt.record
    target = rt.files / name
    if not record.get(path_field):
        target.unlink(missing_ok=True)
        return None
    try:
        return dagsync.fetch(_s3(record), _bucket(record), record[path_field], record.get(version_field), target)
    except (ClientError, BotoCoreError) as exc:
        where = f"s3://{_bucket(record)}/{record[path_field]}"
        raise ProvisionError("S3_ACCESS_DENIED", f"cannot read {where}: {exc}") from None


def install_requirements(rt: EnvRuntime, run_airflow: bool) -> None:
    file = fetch_file(rt, "RequirementsS3Path", "RequirementsS3ObjectVersion", "requirements.txt")
    shutil.rmtree(rt.overlay, ignore_errors=True)
    if file is None:
        return
    try:
        pins = requirements.resolve(rt.version, file, rt.root / "resolve")
        if run_airflow:
            added = requirements.install_overlay(rt.airflow(), pins, rt.overlay)
            log.info("%s: requirements overlay has %d package(s)", rt.record["Name"], len(added))
    except requirements.RequirementsError as exc:
        raise ProvisionError("REQUIREMENTS_INSTALL_FAILED", str(exc)) from None


def install_plugins(rt: EnvRuntime) -> None:
    archive = fetch_file(rt, "PluginsS3Path", "PluginsS3ObjectVersion", "plugins.zip")
    try:
        if archive is None:
            for path in rt.plugins.iterdir():
                if path.name != PLUGIN_FILE:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        else:
            dagsync.extract_plugins(archive, rt.plugins, keep={PLUGIN_FILE})
    except (OSError, ValueError) as exc:
        raise ProvisionError("PLUGINS_INSTALL_FAILED", f"plugins.zip: {exc}") from None


def run_startup_script(rt: EnvRuntime) -> None:
    script = fetch_file(rt, "StartupScriptS3Path", "StartupScriptS3ObjectVersion", "startup.sh")
    (rt.root / "startup.env.json").unlink(missing_ok=True)
    if script is None:
        return
    try:
        rt.run_startup_script(script)
    except (StartError, subprocess.TimeoutExpired) as exc:
        raise ProvisionError("STARTUP_SCRIPT_FAILED", str(exc)) from None


def task_credentials(record: Record) -> str | None:
    """Access key of the execution role assumed in the emulator (what tasks run as on MWAA)."""
    local = record["_local"]
    try:
        creds = client("sts", local["access_key_id"], local["region"]).assume_role(
            RoleArn=record["ExecutionRoleArn"], RoleSessionName=f"mwaa-{record['Name']}"[:64])["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        log.warning("%s: tasks use the creator's identity (assume execution role failed: %s)", record["Name"], exc)
        return None
    key: str = creds["AccessKeyId"]
    return key


def sync_dags(rt: EnvRuntime) -> dagsync.SyncResult:
    record = rt.record
    return dagsync.sync_prefix(_s3(record), _bucket(record), record["DagS3Path"], rt.dags)


def ensure_airflow(rt: EnvRuntime) -> airflow_runtime.AirflowRuntime:
    try:
        return rt.airflow()
    except airflow_runtime.RuntimeUnavailableError as exc:
        raise ProvisionError("AIRFLOW_VERSION_UNAVAILABLE_LOCALLY", str(exc)) from None
    except subprocess.CalledProcessError as exc:
        raise ProvisionError("AIRFLOW_INSTALL_FAILED", f"installing Airflow {rt.version}: {exc}") from None


def build(rt: EnvRuntime, run_airflow: bool) -> None:
    """Everything CREATING does for one environment (idempotent: a crashed create is simply redone)."""
    began = time.monotonic()
    rt.prepare()
    if not run_airflow:
        install_requirements(rt, run_airflow=False)
        return
    airflow = ensure_airflow(rt)
    install_requirements(rt, run_airflow=True)
    install_plugins(rt)
    run_startup_script(rt)
    try:
        template = rt.databases.ensure_template(airflow, rt.environ())
        rt.databases.create(rt.record["_local"]["database"], template)
    except (DatabaseError, subprocess.SubprocessError) as exc:
        raise ProvisionError("DATABASE_CREATION_FAILED", str(exc)) from None
    sync_dags(rt)
    prepared = time.monotonic()
    start(rt)
    log.info("%s: built in %.1f s (processes healthy %.1f s after start)", rt.record["Name"],
             time.monotonic() - began, time.monotonic() - prepared)


def stop_for_update(rt: EnvRuntime) -> None:
    """Stop every component; Celery workers as UpdateEnvironment's ``WorkerReplacementStrategy`` says (GRACEFUL:
    warm shutdown, running tasks finish; FORCED, the default: killed), alongside the other components."""
    strategy = (rt.record.get("LastUpdate") or {}).get("WorkerReplacementStrategy") or "FORCED"
    workers = celery_workers.workers(rt)
    threads = [threading.Thread(target=celery_workers.stop_worker,
                                args=(rt, w, strategy, rt.settings.worker_graceful_timeout)) for w in workers]
    for thread in threads:
        thread.start()
    if workers:
        log.info("%s: %s replacement of %s", rt.record["Name"], strategy, ", ".join(workers))
    rt.stop([p.stem for p in sorted(rt.run_dir.glob("*.pid")) if p.stem not in workers] or ["scheduler"])
    for thread in threads:
        thread.join()


def start(rt: EnvRuntime) -> None:
    try:
        logshipping.ensure_groups(rt.record)  # before a task ships its log (Terraform normally creates them)
    except (ClientError, BotoCoreError) as exc:
        log.warning("%s: cannot create the log groups: %s", rt.record["Name"], exc)
    rt.write_env_file()
    try:
        rt.start_all()
        rt.wait_healthy([*rt.components(), *rt.initial_workers()], rt.settings.start_timeout)
    except StartError as exc:
        rt.stop()
        raise ProvisionError("AIRFLOW_START_FAILED", str(exc)) from None


def reconfigure(rt: EnvRuntime, changed: set[str], run_airflow: bool, *, old_version: str | None = None,
                rolling_back: bool = False) -> None:
    """What UPDATING does: re-fetch what changed, then restart every component with the new configuration.

    A new AirflowVersion (``old_version`` is the one it changes from) is an in-place version change
    (:mod:`versionchange`): snapshot, migrate or downgrade. ``rolling_back``: the record already holds the old
    configuration; the version change is undone by putting the snapshot back instead.
    """
    rt.prepare()
    version_changed = "AirflowVersion" in changed
    if {"RequirementsS3Path", "RequirementsS3ObjectVersion", "AirflowVersion"} & changed:
        if run_airflow:
            ensure_airflow(rt)
        install_requirements(rt, run_airflow)
    if not run_airflow:
        return
    stop_for_update(rt)
    if {"PluginsS3Path", "PluginsS3ObjectVersion"} & changed:
        install_plugins(rt)
    if {"StartupScriptS3Path", "StartupScriptS3ObjectVersion"} & changed:
        run_startup_script(rt)
    if version_changed and rolling_back:
        versionchange.restore(rt)
        versionchange.forget_generated_config(rt)
    elif version_changed and old_version and old_version != rt.version:
        versionchange.change(rt, old_version)
    if {"DagS3Path", "SourceBucketArn"} & changed:
        shutil.rmtree(rt.dags, ignore_errors=True)
        rt.dags.mkdir(parents=True)
    sync_dags(rt)
    start(rt)
    if version_changed and not rolling_back:
        versionchange.finish(rt)
