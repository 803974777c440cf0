"""What the DR DAGs run inside an environment: scheduled backup (+ prune) and conf-driven restore.

The DAG files only wire these functions into tasks. Settings come from the environment, so the same DAG
files work in every environment; on MWAA set them as Airflow configuration options
(``mwaa_platform.dr_backup_url`` -> ``AIRFLOW__MWAA_PLATFORM__DR_BACKUP_URL``) or plain variables
(``MWAA_PLATFORM_DR_BACKUP_URL``) from a startup script.

Database access: the functions open their own psycopg2 connection from :mod:`dbconn` (MWAA__DB__*
variables first), never Airflow's ORM session, which Airflow 3 blocks in task code.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_platform.metadata import table_rules
from mwaa_platform.metadata.errors import ConfigurationError

log = logging.getLogger("mwaa_platform.metadata")

_KEYS = {
    "backup_url": "DR_BACKUP_URL", "kms_key_id": "DR_KMS_KEY_ID", "full_every_hours": "DR_FULL_EVERY_HOURS",
    "keep_fulls": "DR_KEEP_FULLS", "max_age_days": "DR_MAX_AGE_DAYS", "workers": "DR_WORKERS", "codec": "DR_CODEC",
}


def _setting(env: Mapping[str, str], name: str) -> str | None:
    suffix = _KEYS[name]
    return env.get(f"MWAA_PLATFORM_{suffix}") or env.get(f"AIRFLOW__MWAA_PLATFORM__{suffix}") or None


@dataclass(frozen=True)
class DrSettings:
    backup_url: str
    kms_key_id: str
    full_every_hours: float = 24.0
    keep_fulls: int = 7
    max_age_days: float | None = None
    workers: int = 2
    codec: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DrSettings:
        env = os.environ if env is None else env
        url, key = _setting(env, "backup_url"), _setting(env, "kms_key_id")
        if not url or not key:
            raise ConfigurationError(
                "set MWAA_PLATFORM_DR_BACKUP_URL (s3://bucket/prefix) and MWAA_PLATFORM_DR_KMS_KEY_ID, or the "
                "Airflow options mwaa_platform.dr_backup_url / mwaa_platform.dr_kms_key_id")
        try:
            age = _setting(env, "max_age_days")
            return cls(url, key, float(_setting(env, "full_every_hours") or 24.0),
                       int(_setting(env, "keep_fulls") or 7), float(age) if age else None,
                       int(_setting(env, "workers") or 2), _setting(env, "codec"))
        except ValueError as exc:
            raise ConfigurationError(f"a DR setting is not a number: {exc}") from None


def scheduled_backup(settings: DrSettings, db_url: str | None = None, fernet_key: str | None = None,
                     now: datetime | None = None) -> dict[str, Any]:
    """A delta on the latest snapshot, or a full one when the latest full is older than full_every_hours."""
    from mwaa_platform.metadata import backup, catalog, codec, dbconn, objectstore

    loc = objectstore.Location.parse(settings.backup_url)
    s3 = objectstore.s3_client()
    now = now or datetime.now(UTC)
    infos = [i for i in catalog.list_snapshots(s3, loc) if i.complete]
    fulls = [i for i in infos if i.kind == "full"]
    kind = "full"
    newest_full = fulls[-1].last_modified if fulls else None
    if newest_full and now - newest_full < timedelta(hours=settings.full_every_hours):
        kind = "delta"
    options = backup.BackupOptions(location=loc, kms_key_id=settings.kms_key_id, kind=kind,
                                   codec=settings.codec or codec.default_codec(), workers=settings.workers)
    manifest = backup.backup(dbconn.resolve_db_url(db_url), dbconn.resolve_fernet_key(fernet_key), options)
    return {"snapshot_id": manifest.snapshot_id, "kind": manifest.kind, "parent": manifest.parent,
            "rows": manifest.total_rows, "bytes": manifest.total_bytes, "location": loc.url(manifest.snapshot_id)}


def scheduled_prune(settings: DrSettings) -> dict[str, Any]:
    from mwaa_platform.metadata import catalog, objectstore

    loc = objectstore.Location.parse(settings.backup_url)
    s3 = objectstore.s3_client()
    plan = catalog.plan_prune(s3, loc, settings.keep_fulls, settings.max_age_days)
    deleted = catalog.apply_prune(s3, loc, plan)
    return {"deleted": plan.delete, "kept": len(plan.keep), "objects_deleted": deleted}


@dataclass(frozen=True)
class RestoreRequest:
    """dag_run.conf of the restore DAG, validated before anything is touched."""

    snapshot: str = "latest"
    strategy: str = "replace"
    in_flight: str = "keep"
    dry_run: bool = False
    backup_url: str | None = None
    task_token: str | None = None

    @classmethod
    def from_conf(cls, conf: Mapping[str, Any] | None) -> RestoreRequest:
        conf = dict(conf or {})
        allowed = {"snapshot", "strategy", "in_flight", "dry_run", "backup_url", "task_token"}
        unknown = sorted(set(conf) - allowed)
        if unknown:
            raise ConfigurationError(f"unknown restore conf keys {unknown}; allowed: {sorted(allowed)}")
        req = cls(**{k: v for k, v in conf.items() if v is not None})
        if not isinstance(req.snapshot, str) or not req.snapshot:
            raise ConfigurationError("conf.snapshot must be a snapshot id or 'latest'")
        if req.strategy not in table_rules.STRATEGIES:
            raise ConfigurationError(f"conf.strategy must be one of {list(table_rules.STRATEGIES)}")
        if req.in_flight not in table_rules.IN_FLIGHT_POLICIES:
            raise ConfigurationError(f"conf.in_flight must be one of {list(table_rules.IN_FLIGHT_POLICIES)}")
        if not isinstance(req.dry_run, bool):
            raise ConfigurationError("conf.dry_run must be true or false")
        if req.backup_url is not None and not str(req.backup_url).startswith("s3://"):
            raise ConfigurationError("conf.backup_url must look like s3://bucket/prefix")
        return req


def task_token_of(conf: Mapping[str, Any] | None) -> str | None:
    """The Step Functions task token, even from a conf that fails validation (so the failure is reported)."""
    token = (conf or {}).get("task_token")
    return token if isinstance(token, str) and token else None


def run_restore(request: RestoreRequest, env: Mapping[str, str] | None = None, db_url: str | None = None,
                fernet_key: str | None = None) -> dict[str, Any]:
    from mwaa_platform.metadata import catalog, dbconn, objectstore
    from mwaa_platform.metadata import restore as engine

    env = os.environ if env is None else env
    url = request.backup_url or _setting(env, "backup_url")
    if not url:
        raise ConfigurationError("no backup location: conf.backup_url or MWAA_PLATFORM_DR_BACKUP_URL")
    loc = objectstore.Location.parse(url)
    snapshot = request.snapshot
    if snapshot == "latest":
        found = catalog.latest(objectstore.s3_client(), loc)
        if found is None:
            raise ConfigurationError(f"no complete snapshot under {loc.url()}")
        snapshot = found.snapshot_id
    options = engine.RestoreOptions(location=loc, snapshot_id=snapshot, dry_run=request.dry_run,
                                    strategy=request.strategy,  # type: ignore[arg-type]
                                    in_flight=request.in_flight)  # type: ignore[arg-type]
    # a snapshot of an older Airflow is migrated with this environment's Airflow (the task's interpreter)
    report = engine.restore(dbconn.resolve_db_url(db_url), dbconn.resolve_fernet_key(fernet_key), options,
                            progress=lambda line: log.info("%s", line))
    log.info("%s", report.render())
    result = {"snapshot_id": report.snapshot_id, "chain": report.chain, "committed": report.committed,
              "dry_run": report.dry_run, "dags_unpaused": len(report.dags_unpaused), "seconds": report.seconds,
              "tables": {t.table: {"state": t.state, **t.counts()} for t in report.tables
                         if t.state not in ("excluded",)}}
    if report.migration:
        m = report.migration
        result["migration"] = {k: m.get(k) for k in ("source_version", "target_version", "migration_steps",
                                                      "schema_seconds", "load_seconds", "migrate_seconds")}
    return result


def notify_step_functions(task_token: str | None, result: dict[str, Any] | None = None,
                          error: BaseException | str | None = None, client: Any = None) -> bool:
    """SendTaskSuccess / SendTaskFailure for a waiting Step Functions task; False if there is nothing to answer
    or the token was already answered (a second report of the same outcome is harmless)."""
    if not task_token:
        return False
    from mwaa_platform import aws

    sfn = client or aws.client("stepfunctions")
    try:
        if error is None:
            sfn.send_task_success(taskToken=task_token, output=json.dumps(result or {}, default=str)[:250_000])
        else:
            text = str(error) or type(error).__name__
            sfn.send_task_failure(taskToken=task_token, error="MetadataRestoreFailed", cause=text[:32_000])
    except Exception as exc:  # botocore error classes are per-client
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            log.warning("Step Functions task token already answered or expired (%s)", code)
            return False
        raise
    return True
