"""Fixtures for the metadata engine: migrated Airflow databases, real generated metadata, S3 + KMS.

Per Airflow version (2.10.3 and 3.0.6, prepared in parallel once per session):
* ``<v>_secondary`` - migrated, DAGs synced and paused: what a freshly created secondary environment holds;
* ``<v>_source``    - a copy of it, then real DAG runs and user data (scripts/generate.py) with SOURCE_KEY.
Tests clone these with ``CREATE DATABASE ... TEMPLATE`` (fast) and never change them.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from md_support import DAGS, REPO_DAGS, SOURCE_KEY, VERSIONS, AirflowDb, prepare

from mwaa_local.postgres import Cluster
from mwaa_platform import airflow_runtime
from mwaa_platform.metadata.objectstore import Location


@pytest.fixture(scope="session")
def dags_folder(session_state: Path) -> Path:
    """The workload DAGs plus the shipped DR DAGs (dags/dr_backup.py, dags/dr_restore.py)."""
    folder = session_state / "metadata" / "dags"
    folder.mkdir(parents=True, exist_ok=True)
    for src in (DAGS / "md_workload.py", REPO_DAGS / "dr_backup.py", REPO_DAGS / "dr_restore.py"):
        shutil.copy(src, folder / src.name)
    return folder


@pytest.fixture(scope="session")
def airflow_dbs(postgres: Cluster, session_state: Path, dags_folder: Path) -> dict[str, dict[str, Any]]:
    """Both Airflow versions prepared in parallel (most of the time is Airflow start-up and dag.test)."""
    root = session_state / "metadata"
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {v: pool.submit(prepare, v, postgres, root, dags_folder) for v in VERSIONS}
        return {v: f.result() for v, f in futures.items()}


@pytest.fixture(scope="session")
def af2_migrated(postgres: Cluster, session_state: Path) -> AirflowDb:
    """An empty, migrated Airflow 2.10.3 database (template for the SQL-level engine tests)."""
    runtime = airflow_runtime.ensure("2.10.3")
    home = session_state / "metadata" / "af2-empty"
    home.mkdir(parents=True, exist_ok=True)
    db = AirflowDb(runtime, postgres, "md_af2_empty", SOURCE_KEY, home)
    postgres.drop_database(db.name)
    postgres.create_database(db.name)
    db.run([str(runtime.airflow), "db", "migrate"], timeout=300)
    return db


@pytest.fixture
def s3_location(aws_env: dict[str, str]) -> Location:
    bucket = f"md-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return Location(bucket, "env/primary")


@pytest.fixture
def kms_key(aws_env: dict[str, str]) -> str:
    key = boto3.client("kms").create_key(Description="DR metadata secrets (test)")["KeyMetadata"]["Arn"]
    return str(key)


@pytest.fixture
def fresh_name(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Unique database names for one test; the databases are dropped afterwards."""
    made: list[tuple[Cluster, str]] = []

    def make(cluster: Cluster, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        made.append((cluster, name))
        return name

    yield make
    for cluster, name in made:
        cluster.drop_database(name)
