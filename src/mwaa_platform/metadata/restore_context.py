"""What one restore carries from table to table (:class:`RestoreOptions`, the transaction's cursor, the chain,
the target's schema and policies, the report) and the SQL composition helpers every step of it uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg2 import sql as psql

from mwaa_platform.metadata import objectstore, table_rules
from mwaa_platform.metadata.crypto import DataKey, FernetKeys, Sealer
from mwaa_platform.metadata.errors import IncompleteSnapshotError
from mwaa_platform.metadata.manifest import Manifest
from mwaa_platform.metadata.report import RestoreReport
from mwaa_platform.metadata.schema import Schema

I = psql.Identifier  # noqa: E741 - reads as the SQL it builds
S = psql.SQL


@dataclass
class RestoreOptions:
    location: objectstore.Location
    snapshot_id: str
    strategy: table_rules.Strategy = "replace"
    in_flight: table_rules.InFlight = "keep"
    dry_run: bool = False
    lock_timeout_s: int = 60
    bulk_load_rows: int = 50_000
    # cross-version restore (crossversion.py): the target's Airflow and where the scratch database goes
    airflow_python: str | None = None    # a Python that imports the target's Airflow (default: this one)
    scratch_db_url: str | None = None    # an empty database to migrate in (default: CREATE DATABASE next to it)
    keep_scratch: bool = False


def _cols(names: list[str] | tuple[str, ...], alias: str | None = None) -> psql.Composable:
    if alias:
        return S(", ").join(S("{}.{}").format(I(alias), I(n)) for n in names)
    return S(", ").join(I(n) for n in names)


def _eq(left: str, right: str, names: tuple[str, ...] | list[str]) -> psql.Composable:
    return S(" AND ").join(S("{}.{} = {}.{}").format(I(left), I(n), I(right), I(n)) for n in names)


@dataclass
class _Ctx:
    cur: Any
    s3: Any
    loc: objectstore.Location
    chain: list[Manifest]
    schema: Schema
    policies: dict[str, table_rules.TablePolicy]
    restored: set[str]
    options: RestoreOptions
    fernet: FernetKeys
    report: RestoreReport
    kms: Any = None
    maps: dict[str, bool] = field(default_factory=dict)       # table -> has a non-empty id map temp table
    lossy: set[str] = field(default_factory=set)              # tables where snapshot rows were not restored
    sealers: dict[str, Sealer] = field(default_factory=dict)
    stage_seq: int = 0
    source: Any = None                                        # table data from a database instead of S3
    casts: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def final(self) -> Manifest:
        return self.chain[-1]

    def sealer(self, manifest: Manifest) -> Sealer:
        if manifest.snapshot_id not in self.sealers:
            if not manifest.secrets:
                raise IncompleteSnapshotError(f"snapshot {manifest.snapshot_id} has secret tables but no data key")
            key = DataKey.unwrap(manifest.secrets["data_key"], manifest.secrets["kms_key_id"],
                                 manifest.secrets["encryption_context"], kms=self.kms)
            self.sealers[manifest.snapshot_id] = key.sealer()
        return self.sealers[manifest.snapshot_id]
