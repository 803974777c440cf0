"""In-place Airflow version changes, the way MWAA makes them (emulation only).

UpdateEnvironment with a new AirflowVersion (allowed by :func:`mwaa_platform.versions.change_refusal`):
the components are stopped, the metadata database is snapshotted (``CREATE DATABASE snap TEMPLATE db``),
then Airflow's own commands change the schema:

- up (minor or 2.11.x -> 3.x): ``airflow db migrate`` with the new version's runtime;
- down (minor, 3.x -> 2.11.x / an older 3.x): ``airflow db downgrade --to-version <target> -y`` with the
  *current* (newer) runtime, which has the migration scripts, then ``airflow db migrate`` with the target's
  runtime (a no-op that checks the schema is the one it expects). To 2.x, Airflow 2's FAB tables are created
  first when the database never had them (:data:`FAB_TABLES`).

Any failure raises :class:`ProvisionError`; the rollback then puts the snapshot back (:func:`restore`), so
nothing in the database is lost either way. The tag ``mwaa-local:fail-migration = true`` (read only by the
local MWAA) makes the change fail *after* the migration ran, to test that rollback.
"""

from __future__ import annotations

import logging
import re
import subprocess
import time

from mwaa_local.mwaa.database import DatabaseError
from mwaa_local.mwaa.errors import ProvisionError
from mwaa_local.mwaa.runtime import EnvRuntime
from mwaa_platform import airflow_runtime, versions

log = logging.getLogger(__name__)
FAIL_MIGRATION_TAG = "mwaa-local:fail-migration"
MIGRATION_TIMEOUT_SECONDS = 900
# Files Airflow generates in AIRFLOW_HOME for its own version (MWAA writes a fresh configuration per version;
# a 2.x airflow.cfg names the FAB auth manager, which a 3.x runtime without the FAB provider cannot load).
GENERATED_FILES = ("airflow.cfg", "webserver_config.py", "unittests.cfg")
# Run with the 2.x target's Python before a 3.x -> 2.x downgrade of a database that never had Airflow 2's FAB
# tables (created on 3.x): Airflow 3's downgrade re-adds foreign keys to ab_user, and without ab_user it wants
# the FAB provider (which the 3.x runtimes do not have). Airflow 2's own FAB models create them (checkfirst),
# plus the 2.x webserver's `session` table (measured: the 2.11 login failed with 'relation "session" does not
# exist' on a database created on 3.2.1).
FAB_TABLES = """
from airflow import settings
from flask_appbuilder.models.sqla import Model
import airflow.providers.fab.auth_manager.models  # noqa: F401 (registers the ab_ tables)
order = ["ab_permission", "ab_view_menu", "ab_role", "ab_user", "ab_register_user", "ab_permission_view",
         "ab_permission_view_role", "ab_user_role"]
tables = Model.metadata.tables
for name in order + sorted(n for n in tables if n.startswith("ab_") and n not in order):
    tables[name].create(settings.engine, checkfirst=True)
# the 2.x webserver's session store (Airflow 2.2.4's migration c381b21cb7e4; Airflow 3 never creates it)
import sqlalchemy as sa
sa.Table("session", sa.MetaData(), sa.Column("id", sa.Integer(), primary_key=True),
         sa.Column("session_id", sa.String(255), unique=True), sa.Column("data", sa.LargeBinary()),
         sa.Column("expiry", sa.DateTime())).create(settings.engine, checkfirst=True)
"""


def _runtime(version: str) -> airflow_runtime.AirflowRuntime:
    try:
        return airflow_runtime.ensure(version)
    except airflow_runtime.RuntimeUnavailableError as exc:
        raise ProvisionError("AIRFLOW_VERSION_UNAVAILABLE_LOCALLY", str(exc)) from None
    except subprocess.CalledProcessError as exc:
        raise ProvisionError("AIRFLOW_INSTALL_FAILED", f"installing Airflow {version}: {exc}") from None


def _run(rt: EnvRuntime, runtime: airflow_runtime.AirflowRuntime, argv: list[str], what: str) -> None:
    env = rt.environ()
    env.pop("PYTHONPATH", None)  # the requirements overlay is built for the target version only
    # An empty DAGs folder: no user code is imported while the schema changes (Airflow 2's `db migrate` can
    # re-serialize the DAGs it finds); the components parse the DAGs once they run on the new version.
    empty = rt.root / "migration-dags"
    empty.mkdir(exist_ok=True)
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(empty)
    forget_generated_config(rt)  # each version writes its own (3.2.1's names a BaseXCom 2.11 cannot load)
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=MIGRATION_TIMEOUT_SECONDS,
                          check=False, cwd=rt.home)
    with (rt.logs / "version-change.log").open("a") as handle:
        handle.write(f"$ {what}  # Airflow {runtime.version}, exit {done.returncode}, "
                     f"{time.monotonic() - started:.1f}s\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise ProvisionError("DATABASE_MIGRATION_FAILED",
                             f"{what} (Airflow {runtime.version}) failed: {_reason(done.stdout + done.stderr)}")


def _reason(output: str) -> str:
    """The exception line of a traceback (else the output's tail), for LastUpdate.Error."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b.*:", line)]
    return (errors[-1] if errors else " ".join(lines[-5:]))[:800]


def _airflow(rt: EnvRuntime, runtime: airflow_runtime.AirflowRuntime, *args: str) -> None:
    _run(rt, runtime, [str(runtime.airflow), *args], f"airflow {' '.join(args)}")


def _python(rt: EnvRuntime, runtime: airflow_runtime.AirflowRuntime, code: str) -> None:
    _run(rt, runtime, [str(runtime.python), "-c", code], "create Airflow 2's FAB tables")


def forget_generated_config(rt: EnvRuntime) -> None:
    for name in GENERATED_FILES:
        (rt.home / name).unlink(missing_ok=True)


def failure_forced(rt: EnvRuntime) -> bool:
    return str((rt.record.get("Tags") or {}).get(FAIL_MIGRATION_TAG, "")).lower() == "true"


def change(rt: EnvRuntime, old_version: str) -> None:
    """Move the (stopped) environment's database from ``old_version`` to ``rt.version``."""
    new_version = rt.version
    target, current = _runtime(new_version), _runtime(old_version)
    database = rt.record["_local"]["database"]
    forget_generated_config(rt)
    try:
        rt.databases.snapshot(database)
    except (DatabaseError, subprocess.SubprocessError) as exc:
        raise ProvisionError("DATABASE_SNAPSHOT_FAILED", str(exc)) from None
    log.info("%s: Airflow %s -> %s", rt.record["Name"], old_version, new_version)
    if versions.parse(new_version) > versions.parse(old_version):
        _airflow(rt, target, "db", "migrate")
    else:
        if versions.parse(new_version)[0] < 3 <= versions.parse(old_version)[0]:
            _python(rt, target, FAB_TABLES)
        _airflow(rt, current, "db", "downgrade", "--to-version", new_version, "-y")
        _airflow(rt, target, "db", "migrate")
    if failure_forced(rt):
        raise ProvisionError("DATABASE_MIGRATION_FAILED",
                             f"migration to Airflow {new_version} failed (forced by tag {FAIL_MIGRATION_TAG}=true)")


def restore(rt: EnvRuntime) -> bool:
    """Put the pre-change snapshot back (rollback); False when there was none (the change failed before it)."""
    try:
        return rt.databases.restore_snapshot(rt.record["_local"]["database"])
    except (DatabaseError, subprocess.SubprocessError) as exc:
        raise ProvisionError("DATABASE_RESTORE_FAILED", str(exc)) from None


def finish(rt: EnvRuntime) -> None:
    """The change succeeded: the snapshot is no longer needed."""
    rt.databases.drop_snapshot(rt.record["_local"]["database"])
