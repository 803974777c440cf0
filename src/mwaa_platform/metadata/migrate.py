"""The target environment's own Airflow, run as a subprocess against a scratch database: ``airflow db migrate``
(``--to-revision`` to build an older schema from empty, then to head) and a probe of its alembic chain.

Only the target's Airflow is needed (the restore runs inside the target environment, e.g. the ``dr_restore``
task, whose interpreter imports Airflow). Nothing here knows an Airflow version: the revisions, their order and
the migrations are Airflow's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from psycopg2 import sql as psql

from mwaa_platform.metadata import dbconn
from mwaa_platform.metadata.errors import ConfigurationError, RestoreFailedError

ENV_PYTHON = "MWAA_PLATFORM_AIRFLOW_PYTHON"
_STEP = re.compile(r"Running (upgrade|downgrade) (\S*) -> (\S+), (.*?)(?:\s+\[alembic|$)")
# env variables that would override the scratch database URL or the Fernet key we give the subprocess
_OVERRIDES = ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__FERNET_KEY")

_PROBE = r"""
import json, sys
import airflow
from alembic.script import ScriptDirectory
from airflow.utils import db
script = ScriptDirectory.from_config(db._get_alembic_config())
head = script.get_current_head()
wanted = sys.argv[1]
chain = [s.revision for s in script.iterate_revisions(head, "base")]
known = {s.revision for s in script.walk_revisions()}
names = {v: k for k, v in getattr(db, "_REVISION_HEADS_MAP", {}).items()}
print(json.dumps({"version": airflow.__version__, "head": head, "known": wanted in known,
                  "ancestor": wanted in chain, "steps": chain.index(wanted) if wanted in chain else None,
                  "named": names.get(wanted)}))
"""


@dataclass(frozen=True)
class Probe:
    version: str        # the target's Airflow version
    head: str           # its head revision
    known: bool         # the snapshot's revision is in its migration scripts
    ancestor: bool      # ... and on the path from empty to head (so an upgrade can start there)
    steps: int | None   # migrations between the snapshot's revision and head
    named: str | None   # the Airflow version Airflow's own table names for that revision


def airflow_python(explicit: str | None = None) -> str:
    """A Python that imports the target's Airflow: explicit, $MWAA_PLATFORM_AIRFLOW_PYTHON, or this one."""
    found = explicit or os.environ.get(ENV_PYTHON)
    if found:
        return found
    if importlib.util.find_spec("airflow") is not None:
        return sys.executable
    raise ConfigurationError(
        "a cross-version restore runs the target environment's Airflow migrations: run it where Airflow is "
        f"installed (the dr_restore DAG) or give --airflow-python / {ENV_PYTHON} (a Python that imports it)")


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server (credentials and options kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _sqlalchemy_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return ("postgresql+psycopg2" if scheme in ("postgres", "postgresql") else scheme) + sep + rest


def _redact(text: str, url: str) -> str:
    password = urlsplit(url).password
    return text.replace(unquote(password), "***").replace(password, "***") if password else text


class Scratch:
    """An empty database next to the target's (CREATE DATABASE), or one the operator provides."""

    def __init__(self, target_url: str, explicit_url: str | None = None, keep: bool = False):
        self.created = explicit_url is None
        self.keep = keep
        self.name = f"mp_xv_{uuid.uuid4().hex[:10]}"
        self.url = explicit_url or with_database(target_url, self.name)
        self._admin_url = target_url

    def __enter__(self) -> Scratch:
        if self.created:
            conn = dbconn.connect(self._admin_url, application_name="mwaa-platform-metadata-scratch")
            conn.autocommit = True
            try:
                conn.cursor().execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(self.name)))
            except Exception as exc:
                raise ConfigurationError(
                    f"cannot create the scratch database for the migration ({str(exc).strip()}): grant CREATEDB "
                    "to the environment's database user or give --scratch-db-url (an empty database)") from None
            finally:
                conn.close()
        else:
            conn = dbconn.connect(self.url, application_name="mwaa-platform-metadata-scratch")
            try:
                cur = conn.cursor()
                cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                if cur.fetchone()[0]:
                    raise ConfigurationError("the scratch database given is not empty: give an empty database")
            finally:
                conn.close()
        return self

    def __exit__(self, *_: Any) -> None:
        if not self.created or self.keep:
            return
        conn = dbconn.connect(self._admin_url, application_name="mwaa-platform-metadata-scratch")
        conn.autocommit = True
        try:
            conn.cursor().execute(psql.SQL("DROP DATABASE IF EXISTS {}").format(psql.Identifier(self.name)))
        finally:
            conn.close()


class Airflow:
    """``python -m airflow ...`` of the target's Airflow with the database and Fernet key we give it."""

    def __init__(self, python: str, fernet_keys: str | None, home: str | None = None):
        self.python = python
        self.fernet_keys = fernet_keys
        self.home = home  # AIRFLOW_HOME when the environment has none (never Airflow's default ~/airflow)

    def env(self, db_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_OVERRIDES)}
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = _sqlalchemy_url(db_url)
        if self.fernet_keys:
            env["AIRFLOW__CORE__FERNET_KEY"] = self.fernet_keys
        env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        if self.home and not env.get("AIRFLOW_HOME"):
            env["AIRFLOW_HOME"] = self.home
        return env

    def probe(self, db_url: str, revision: str) -> Probe:
        proc = subprocess.run([self.python, "-c", _PROBE, revision], env=self.env(db_url), capture_output=True,
                              text=True, timeout=300, check=False)
        if proc.returncode != 0:
            raise ConfigurationError(f"cannot read the target's Airflow migrations with {self.python}: "
                                     + _redact(proc.stderr.strip()[-800:], db_url))
        doc = json.loads(proc.stdout.strip().splitlines()[-1])
        return Probe(doc["version"], doc["head"], doc["known"], doc["ancestor"], doc["steps"], doc["named"])

    def migrate(self, db_url: str, to_revision: str | None = None, downgrade: bool = False,
                progress: Callable[[str], None] | None = None, timeout: float = 3600) -> tuple[float, int]:
        """``airflow db migrate [--to-revision R]`` (or ``db downgrade --to-revision R -y``); (seconds, steps)."""
        args = [self.python, "-m", "airflow", "db"]
        if downgrade:
            args += ["downgrade", "--to-revision", str(to_revision), "-y"]
        else:
            args += ["migrate"] + (["--to-revision", to_revision] if to_revision else [])
        t0, steps, tail = time.monotonic(), 0, []
        proc = subprocess.Popen(args, env=self.env(db_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            tail = [*tail[-40:], line.rstrip()]
            match = _STEP.search(line)
            if match:
                steps += 1
                if progress:
                    progress(f"  alembic {match[1]} {match[2] or 'base'} -> {match[3]}: {match[4].strip()}")
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise RestoreFailedError(f"airflow db migrate did not finish in {timeout:.0f}s") from None
        if code != 0:
            raise RestoreFailedError(f"`airflow {' '.join(args[3:])}` failed ({code}) on the scratch database: "
                                     + _redact(" | ".join(tail[-6:]), db_url))
        return round(time.monotonic() - t0, 3), steps
