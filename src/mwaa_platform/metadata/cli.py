"""``mwaa-platform metadata backup|restore|verify|list|prune``.

Secrets never come from the command line: the database URL and the Fernet key are read from the
environment the way Airflow (and MWAA) provide them; ``--db-url`` exists for operators, prefer the variable.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

import click

from mwaa_platform.metadata import table_rules
from mwaa_platform.metadata.errors import MetadataError

ENV_URL = "MWAA_PLATFORM_DR_BACKUP_URL"
ENV_KMS = "MWAA_PLATFORM_DR_KMS_KEY_ID"

location_option = click.option(
    "--location", "--to", "--from", "location", envvar=ENV_URL, required=True,
    help=f"s3://bucket/prefix holding the snapshots (env {ENV_URL}).")
db_option = click.option(
    "--db-url", envvar="MWAA_PLATFORM_DB_URL", default=None,
    help="Metadata DB URL; default: MWAA__DB__* / AIRFLOW__DATABASE__SQL_ALCHEMY_CONN / Airflow config.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the full JSON report.")


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")


@click.group("metadata")
@click.option("-v", "--verbose", is_flag=True, help="Log progress per table to stderr.")
def group(verbose: bool) -> None:
    """Airflow metadata backup / restore / verify / list / prune (Airflow 2.9-2.11 and 3.0-3.3)."""
    _setup_logging(verbose)


@group.command()
@location_option
@db_option
@click.option("--kms-key-id", envvar=ENV_KMS, required=True,
              help=f"KMS key (id, ARN or alias) for the secrets envelope (env {ENV_KMS}).")
@click.option("--kind", type=click.Choice(["full", "delta"]), default="full", show_default=True)
@click.option("--parent", default=None, help="Delta: parent snapshot id (default: the latest complete one).")
@click.option("--codec", type=click.Choice(["zstd", "gzip"]), default=None, help="Default: zstd if installed.")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Parallel readers sharing the one exported snapshot.")
@click.option("--exclude-table", multiple=True, help="Leave a table out (repeatable).")
@click.option("--dr-dag-id", multiple=True, default=table_rules.DEFAULT_DR_DAG_IDS, show_default=True,
              help="DAGs whose own runs are not backed up (the DR DAGs themselves).")
@json_option
def backup(location: str, db_url: str | None, kms_key_id: str, kind: str, parent: str | None, codec: str | None,
           workers: int, exclude_table: tuple[str, ...], dr_dag_id: tuple[str, ...], as_json: bool) -> None:
    """Take one consistent snapshot of the metadata database into s3://bucket/prefix/<snapshot-id>/."""
    from mwaa_platform.metadata import backup as engine
    from mwaa_platform.metadata import dbconn
    from mwaa_platform.metadata.codec import default_codec
    from mwaa_platform.metadata.objectstore import Location

    obj: dict[str, Any] = click.get_current_context().find_root().obj or {}
    try:
        options = engine.BackupOptions(
            location=Location.parse(location), kms_key_id=kms_key_id, kind=kind, parent=parent,
            codec=codec or default_codec(), workers=workers, dr_dag_ids=tuple(d for d in dr_dag_id if d),
            exclude_tables=exclude_table)
        manifest = engine.backup(dbconn.resolve_db_url(db_url), dbconn.resolve_fernet_key(), options,
                                 on_snapshot_open=obj.get("on_snapshot_open"))
    except MetadataError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps(manifest.to_json(), indent=1))
    else:
        click.echo(f"snapshot {manifest.snapshot_id} ({manifest.kind}) complete: {len(manifest.tables)} tables, "
                   f"{manifest.total_rows} rows, {manifest.total_bytes} bytes at "
                   f"{options.location.url(manifest.snapshot_id)}")
    rows = [{"table": t.name, "state": "success", "seconds": t.seconds, "rows": t.data.rows, "bytes": t.data.bytes}
            for t in manifest.tables]
    click.echo("RESULT " + json.dumps({"snapshot_id": manifest.snapshot_id, "tables": rows}, separators=(",", ":")))


def _resolve_id(loc: Any, snapshot: str) -> str:
    from mwaa_platform.metadata import catalog, objectstore
    from mwaa_platform.metadata.errors import SnapshotNotFoundError

    if snapshot != "latest":
        return snapshot
    found = catalog.latest(objectstore.s3_client(), loc)
    if found is None:
        raise SnapshotNotFoundError(f"no complete snapshot under {loc.url()}")
    return found.snapshot_id


@group.command()
@location_option
@click.argument("snapshot", default="latest")
@db_option
@click.option("--strategy", type=click.Choice(list(table_rules.STRATEGIES)), default="replace", show_default=True,
              help="Rows the target already has: replace them with the snapshot's, or skip (keep the target's).")
@click.option("--in-flight", type=click.Choice(list(table_rules.IN_FLIGHT_POLICIES)), default="keep", show_default=True,
              help="Runs/tasks in flight at snapshot time: keep (Airflow's orphan/zombie handling reruns them), "
                   "rerun (cleared now) or fail.")
@click.option("--dry-run", is_flag=True, help="Do everything, report, then roll back.")
@click.option("--lock-timeout", type=click.IntRange(1, 3600), default=60, show_default=True,
              help="Seconds to wait for a table lock before giving up (nothing is changed then).")
@click.option("--airflow-python", envvar="MWAA_PLATFORM_AIRFLOW_PYTHON", default=None,
              help="Snapshot of an older Airflow: a Python that imports THIS environment's Airflow, whose "
                   "migrations upgrade the data (default: the current one, if it imports Airflow).")
@click.option("--scratch-db-url", envvar="MWAA_PLATFORM_SCRATCH_DB_URL", default=None,
              help="Older snapshot: an empty database for the migration (default: CREATE DATABASE next to the "
                   "target's, dropped after).")
@click.option("--keep-scratch", is_flag=True, help="Older snapshot: keep the migrated scratch database.")
@json_option
def restore(location: str, snapshot: str, db_url: str | None, strategy: str, in_flight: str, dry_run: bool,
            lock_timeout: int, airflow_python: str | None, scratch_db_url: str | None, keep_scratch: bool,
            as_json: bool) -> None:
    """Restore SNAPSHOT (id or 'latest'; a delta brings its base) into this environment's database.

    A snapshot of an older Airflow is upgraded through this environment's Airflow migrations first (progress
    on stderr); a newer one is refused."""
    from mwaa_platform.metadata import dbconn
    from mwaa_platform.metadata import restore as engine
    from mwaa_platform.metadata.errors import RestoreFailedError
    from mwaa_platform.metadata.objectstore import Location

    try:
        loc = Location.parse(location)
        options = engine.RestoreOptions(location=loc, snapshot_id=_resolve_id(loc, snapshot),
                                        strategy=strategy, in_flight=in_flight,  # type: ignore[arg-type]
                                        dry_run=dry_run, lock_timeout_s=lock_timeout,
                                        airflow_python=airflow_python, scratch_db_url=scratch_db_url,
                                        keep_scratch=keep_scratch)
        report = engine.restore(dbconn.resolve_db_url(db_url), dbconn.resolve_fernet_key(), options,
                                progress=lambda line: click.echo(line, err=True))
    except RestoreFailedError as exc:
        failed = getattr(exc, "report", None)
        if failed is not None:
            click.echo(failed.render(), err=True)
            click.echo(failed.result_line())
        raise _fail(exc) from None
    except MetadataError as exc:
        raise _fail(exc) from None
    click.echo(json.dumps(report.to_json(), indent=1) if as_json else report.render())
    click.echo(report.result_line())


@group.command()
@location_option
@click.argument("snapshot", default="latest")
@click.option("--deep", is_flag=True, help="Download every object and check its sha256.")
@click.option("--check-key", is_flag=True, help="Ask KMS to decrypt the data key (proves restore access).")
def verify(location: str, snapshot: str, deep: bool, check_key: bool) -> None:
    """Check that SNAPSHOT and its chain are complete and intact."""
    from mwaa_platform.metadata import catalog, objectstore

    try:
        loc = objectstore.Location.parse(location)
        sid = _resolve_id(loc, snapshot)
        result = catalog.verify(objectstore.s3_client(), loc, sid, deep=deep, check_key=check_key)
    except MetadataError as exc:
        raise _fail(exc) from None
    for problem in result.problems:
        click.echo(f"PROBLEM {problem}", err=True)
    status = "OK" if result.ok else "FAILED"
    click.echo(f"{status} {sid}: {result.checked_objects} objects, {result.checked_bytes} bytes checked"
               + (" (sha256)" if deep else " (sizes)") + (f", data key {'ok' if result.key_ok else 'NOT ok'}"
                                                         if check_key else ""))
    if not result.ok:
        sys.exit(1)


@group.command("list")
@location_option
@click.option("--all", "show_all", is_flag=True, help="Also show incomplete snapshots.")
@json_option
def list_(location: str, show_all: bool, as_json: bool) -> None:
    """Complete snapshots under the prefix, oldest first."""
    from mwaa_platform.metadata import catalog, objectstore

    try:
        loc = objectstore.Location.parse(location)
        infos = catalog.list_snapshots(objectstore.s3_client(), loc)
    except MetadataError as exc:
        raise _fail(exc) from None
    shown = [i for i in infos if i.complete or show_all]
    if as_json:
        click.echo(json.dumps([{"snapshot_id": i.snapshot_id, "kind": i.kind, "complete": i.complete,
                                "objects": i.objects, "bytes": i.bytes,
                                "last_modified": i.last_modified.isoformat() if i.last_modified else None}
                               for i in shown], indent=1))
        return
    for i in shown:
        click.echo(f"{i.snapshot_id}  {i.kind:5}  {'complete' if i.complete else 'INCOMPLETE'}  "
                   f"{i.objects:4} objects  {i.bytes:>12} bytes")


@group.command()
@location_option
@click.option("--keep", "keep_last", type=click.IntRange(1, None), default=None,
              help="Keep the newest N full snapshots and their deltas.")
@click.option("--max-age-days", type=click.FloatRange(0, None), default=None,
              help="Also keep everything younger than this.")
@click.option("--incomplete-grace-hours", type=click.FloatRange(0, None), default=6.0, show_default=True,
              help="Incomplete snapshots older than this are removed.")
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
def prune(location: str, keep_last: int | None, max_age_days: float | None, incomplete_grace_hours: float,
          dry_run: bool) -> None:
    """Delete snapshots outside retention (never one a kept delta needs, never the newest complete one)."""
    from mwaa_platform.metadata import catalog, objectstore

    if keep_last is None and max_age_days is None:
        raise click.UsageError("give --keep and/or --max-age-days")
    try:
        loc = objectstore.Location.parse(location)
        s3 = objectstore.s3_client()
        plan = catalog.plan_prune(s3, loc, keep_last, max_age_days, incomplete_grace_hours)
        for sid in plan.delete:
            click.echo(f"{'would delete' if dry_run else 'delete'} {sid}: {plan.reasons[sid]}")
        deleted = 0 if dry_run else catalog.apply_prune(s3, loc, plan)
    except MetadataError as exc:
        raise _fail(exc) from None
    click.echo(f"kept {len(plan.keep)} snapshots, {'would delete' if dry_run else 'deleted'} {len(plan.delete)}"
               + ("" if dry_run else f" ({deleted} objects)"))


def main() -> None:  # pragma: no cover - `python -m mwaa_platform.metadata.cli`
    group(prog_name="mwaa-platform metadata", obj={}, auto_envvar_prefix=None)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
