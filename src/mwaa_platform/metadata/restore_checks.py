"""Before a restore loads anything: is the target's schema the snapshot's? Same revision and same schema: restore
as is; the same revision built by another migration chain: cast the differing column types; anything else: refused
(a snapshot of another revision goes through :mod:`crossversion` instead)."""

from __future__ import annotations

import logging
import re

from mwaa_platform.metadata.errors import SchemaMismatchError
from mwaa_platform.metadata.manifest import Manifest
from mwaa_platform.metadata.report import RestoreReport
from mwaa_platform.metadata.schema import Schema, diff

log = logging.getLogger("mwaa_platform.metadata")

_TYPE_RE = re.compile(r"^[a-z][a-z0-9 _(),\[\]]*$")  # what format_type() prints for Airflow's columns


def _check_compatible(schema: Schema, manifest: Manifest,
                      report: RestoreReport | None = None) -> dict[str, dict[str, tuple[str, str]]]:
    """Same revision, same schema: nothing to cast. Same revision built by another migration chain (Airflow's own
    downgrade from 3.x leaves e.g. ``dag.last_pickled`` without time zone and composite primary keys in another
    column order than a fresh install of the same version): the same tables and columns, so the values are cast
    to the target's types (as the cross-version path does) and each such table notes it. Anything else: refused."""
    src_rev = manifest.source.get("alembic_revision")
    if src_rev and schema.alembic_revision and src_rev != schema.alembic_revision:
        raise SchemaMismatchError(
            f"snapshot is from schema revision {src_rev} (Airflow {manifest.source.get('airflow_version') or '?'}),"
            f" the target is at {schema.alembic_revision}: restore into an environment of the same Airflow version")
    actual = {name: schema.tables[name].describe() for name in manifest.schema if name in schema.tables}
    problems = diff(manifest.schema, actual)
    if not problems:
        return {}
    same_columns = set(actual) == set(manifest.schema) and all(
        sorted(c[0] for c in manifest.schema[n]["columns"]) == sorted(c[0] for c in actual[n]["columns"])
        for n in actual)
    if not (src_rev and same_columns):
        raise SchemaMismatchError("target schema differs from the snapshot's: " + "; ".join(problems))
    casts = _lenient_casts(schema, manifest)
    if report is not None:
        for name in sorted(n for n in actual if actual[n] != manifest.schema[n]):
            report.table(name).notes.append(
                "target built by another migration chain at the same revision (e.g. Airflow's downgrade): "
                + "; ".join(p for p in diff({name: manifest.schema[name]}, {name: actual[name]}))
                + " (values cast to the target's types)")
    log.warning("same revision, schema built by another migration chain: %s", "; ".join(problems))
    return casts


def _lenient_casts(schema: Schema, manifest: Manifest) -> dict[str, dict[str, tuple[str, str]]]:
    """Per table, the columns whose type in the target differs from the snapshot's: (snapshot type, target
    type). The same revision built by another Airflow's migration chain differs in a few types (e.g. json vs
    jsonb, timestamp vs timestamptz); values are loaded with the snapshot's types and cast."""
    casts: dict[str, dict[str, tuple[str, str]]] = {}
    for name, described in manifest.schema.items():
        table = schema.tables.get(name)
        if table is None:
            continue
        for col_name, col_type, _not_null in described["columns"]:
            col = table.column(col_name)
            if col is not None and col.type != col_type:
                if not (_TYPE_RE.match(col_type) and _TYPE_RE.match(col.type)):
                    raise SchemaMismatchError(f"table {name}.{col_name}: unexpected type {col_type!r}")
                casts.setdefault(name, {})[col_name] = (col_type, col.type)
    return casts
