"""Shared by the metadata tests: the test Fernet keys, the Airflow versions, a database handle and helpers.

A module of its own (not conftest) so that test modules import it by a name no other tests directory uses.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from mwaa_local.postgres import Cluster
from mwaa_platform import airflow_runtime
from mwaa_platform.metadata import codec, objectstore

HERE = Path(__file__).parent
DAGS = HERE / "dags"
SCRIPTS = HERE / "scripts"
REPO_DAGS = HERE.parents[1] / "dags"
SOURCE_KEY = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="
TARGET_KEY = "Hv3k2HFFLhQ2yW5gKGSQ6x5V0oWnTz7hIGiZkNwX6xE="
VERSIONS = ("2.10.3", "3.0.6")


@dataclass
class AirflowDb:
    """One Airflow metadata database and how to run that Airflow against it."""

    runtime: airflow_runtime.AirflowRuntime
    cluster: Cluster
    name: str
    fernet_key: str
    home: Path

    @property
    def url(self) -> str:
        return self.cluster.url(self.name, driver="postgresql+psycopg2")

    dags: Path = DAGS

    def env(self, dags: Path | None = None, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "MWAA__"))}
        env.update({
            "AIRFLOW_HOME": str(self.home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.url,
            "AIRFLOW__CORE__FERNET_KEY": self.fernet_key, "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags or self.dags), "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False", "PYTHONDONTWRITEBYTECODE": "1",
        })
        env.update(extra)
        return env

    def run(self, args: list[str], timeout: float = 240, dags: Path | None = None, **extra: str) -> str:
        proc = subprocess.run(args, env=self.env(dags, **extra), capture_output=True, text=True, timeout=timeout,
                              cwd=self.home, check=False)
        if proc.returncode != 0:
            raise AssertionError(
                f"{args[:3]} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
        return proc.stdout

    def script(self, name: str, *args: str, timeout: float = 240, dags: Path | None = None, **extra: str) -> Any:
        """Run tests/metadata/scripts/<name> in this Airflow; its last stdout line is JSON."""
        out = self.run([str(self.runtime.python), str(SCRIPTS / name), *args], timeout=timeout, dags=dags, **extra)
        return json.loads(out.strip().splitlines()[-1])

    def clone(self, name: str, fernet_key: str | None = None) -> AirflowDb:
        self.cluster.drop_database(name)
        self.cluster.create_database(name, template=self.name)
        return AirflowDb(self.runtime, self.cluster, name, fernet_key or self.fernet_key, self.home, self.dags)

    def dsn(self) -> str:
        return self.cluster.dsn(self.name)


def prepare(version: str, cluster: Cluster, root: Path, dags: Path, prefix: str = "md",
            generate: bool = True) -> dict[str, Any]:
    """``<prefix><version>_secondary`` (migrated, DAGs parsed) and, if ``generate``, ``..._source`` (real runs)."""
    runtime = airflow_runtime.ensure(version)
    tag = version.replace(".", "")
    home = root / f"{prefix}af{tag}"
    home.mkdir(parents=True, exist_ok=True)
    secondary = AirflowDb(runtime, cluster, f"{prefix}{tag}_secondary", TARGET_KEY, home, dags)
    cluster.drop_database(secondary.name)
    cluster.create_database(secondary.name)
    secondary.script("sync_dags.py", timeout=300)  # migrate + parse the DAGs
    if not generate:
        return {"secondary": secondary}
    source = secondary.clone(f"{prefix}{tag}_source", SOURCE_KEY)
    generated = source.script("generate.py", "1", timeout=300)
    return {"secondary": secondary, "source": source, "generated": generated}


# compared decrypted instead (a value stored unencrypted in the source is encrypted in the target)
SECRET_COLUMNS = {"variable": ["val", "is_encrypted"], "trigger": ["kwargs"],
                  "connection": ["password", "extra", "is_encrypted", "is_extra_encrypted"]}


def all_objects_plaintext(loc: objectstore.Location) -> bytes:
    """Every object of the bucket, decompressed where it is a table file, concatenated."""
    s3 = boto3.client("s3")
    blob = b""
    for obj in s3.list_objects_v2(Bucket=loc.bucket).get("Contents", []):
        body = s3.get_object(Bucket=loc.bucket, Key=obj["Key"])["Body"].read()
        for name, suffix in codec.SUFFIX.items():
            if obj["Key"].endswith("." + suffix):
                body = codec.decompressor(name, io.BytesIO(body)).read()
        blob += body
    return blob
