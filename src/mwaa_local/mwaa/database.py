"""Per-environment Airflow metadata databases, cloned from a migrated template per Airflow version.

``airflow db migrate`` takes ~25 s on this machine; a clone (CREATE DATABASE ... TEMPLATE) takes ~1 s.
The first environment of a version migrates a template database; its schema is also dumped to the
shared cache (keyed by version and constraints file), so a fresh cluster restores it in seconds instead
of migrating again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from mwaa_local.postgres import Cluster
from mwaa_platform.airflow_runtime import AirflowRuntime, available_versions

log = logging.getLogger(__name__)
_MARK = "mwaa-local template complete"
_version_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class DatabaseError(RuntimeError):
    """A metadata database could not be prepared."""


def _lock_for(version: str) -> threading.Lock:
    with _locks_guard:
        return _version_locks.setdefault(version, threading.Lock())


def template_name(version: str) -> str:
    return "mwaa_tmpl_" + version.replace(".", "_")


def snapshot_name(database: str) -> str:
    """The snapshot taken of ``database`` before an in-place version change."""
    return "mwaa_snap_" + hashlib.sha256(database.encode()).hexdigest()[:24]


class Databases:
    def __init__(self, cluster: Cluster, cache_dir: Path) -> None:
        self.cluster = cluster
        self.cache_dir = cache_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)

    def url(self, database: str) -> str:
        return self.cluster.url(database, driver="postgresql+psycopg2")

    def _dump_path(self, version: str) -> Path:
        _, constraints = available_versions()[version]
        digest = hashlib.sha256(constraints.read_bytes()).hexdigest()[:12]
        return self.cache_dir / f"airflow-{version}-{digest}.sql"

    def _template_ready(self, name: str) -> bool:
        out = self.cluster.psql(
            f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'"
        ).strip()
        return out == _MARK

    def ensure_template(self, runtime: AirflowRuntime, environ: Mapping[str, str]) -> str:
        """The template database for ``runtime``'s Airflow version, created (once) if missing."""
        name = template_name(runtime.version)
        with _lock_for(runtime.version):
            if self._template_ready(name):
                return name
            lock_path = self.cache_dir / f".{runtime.version}.lock"
            with open(lock_path, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self.cluster.drop_database(name)
                self.cluster.create_database(name)
                dump = self._dump_path(runtime.version)
                if dump.exists():
                    self._psql_file(name, dump)
                else:
                    self._migrate(runtime, name, environ)
                    tmp = dump.with_suffix(".sql.tmp")
                    subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "-d", self.cluster.dsn(name),
                                    "-f", str(tmp)], check=True, capture_output=True, text=True, timeout=300)
                    os.replace(tmp, dump)
                self.cluster.psql(f"COMMENT ON DATABASE \"{name}\" IS '{_MARK}'")
        return name

    def _psql_file(self, database: str, path: Path) -> None:
        done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.cluster.dsn(database),
                               "-f", str(path)], capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise DatabaseError(f"restoring the Airflow schema from {path} failed: {done.stderr[-1000:]}")

    def _migrate(self, runtime: AirflowRuntime, database: str, environ: Mapping[str, str]) -> None:
        env = dict(environ)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = self.url(database)
        env["AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS"] = "False"
        log.info("migrating the Airflow %s template database %s", runtime.version, database)
        done = subprocess.run([str(runtime.airflow), "db", "migrate"], env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        if done.returncode != 0:
            raise DatabaseError(f"airflow db migrate failed: {(done.stdout + done.stderr)[-2000:]}")

    def create(self, database: str, template: str) -> None:
        self.cluster.drop_database(database)
        # the template may still hold a session (its own migration, a concurrent clone): retried like a snapshot
        self._copy(template, database)

    def drop(self, database: str) -> None:
        self.cluster.drop_database(database)
        self.cluster.drop_database(snapshot_name(database))

    # -- snapshots (in-place version changes) --------------------------------------------------------------
    def exists(self, database: str) -> bool:
        return bool(self.cluster.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'").strip())

    def _disconnect(self, database: str) -> None:
        self.cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")

    def _copy(self, source: str, target: str) -> None:
        """``CREATE DATABASE target TEMPLATE source`` (a file-level copy), retried while stray sessions close."""
        for attempt in range(40):
            self._disconnect(source)
            try:
                self.cluster.create_database(target, template=source)
                return
            except subprocess.CalledProcessError as exc:
                if "being accessed by other users" not in (exc.stderr or "") or attempt == 39:
                    raise DatabaseError(f"copying database {source} to {target}: {exc.stderr}") from None
                time.sleep(0.5)

    def snapshot(self, database: str) -> str:
        """Take the pre-change snapshot of ``database`` (its processes must be stopped); idempotent.

        If a snapshot already exists (a version change interrupted by a service restart), the database is
        first put back to it, so a half-run migration is never snapshotted or continued.
        """
        snap = snapshot_name(database)
        if self.exists(snap):
            self.cluster.drop_database(database)
            self._copy(snap, database)
        else:
            self._copy(database, snap)
        return snap

    def restore_snapshot(self, database: str) -> bool:
        """Put ``database`` back to its snapshot and drop the snapshot; False when there is none."""
        snap = snapshot_name(database)
        if not self.exists(snap):
            return False
        self.cluster.drop_database(database)
        self._copy(snap, database)
        self.cluster.drop_database(snap)
        return True

    def drop_snapshot(self, database: str) -> None:
        self.cluster.drop_database(snapshot_name(database))
