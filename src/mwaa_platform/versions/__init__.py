"""The one table of MWAA Airflow versions (``table.json``) and the rules MWAA applies to version changes.

Every reader goes through here: the local MWAA (what it accepts and runs), ``dags check`` (which versions to
parse with), the metadata engine (which schemas it knows), the Terraform module (a generated copy of the table,
``modules/mwaa-environment/airflow_versions.json``, checked in a test) and the README (checked in a test).

Version changes, as the MWAA user guide ("Changing Apache Airflow versions") describes them:
- within a major version: in place, up or down;
- 2.x -> 3.x: in place only from the latest 2.x line (2.11.x); from 2.10.x or older, a new environment plus a
  metadata migration (``new_environment``);
- 3.x -> 2.x: in place only down to 2.11.x.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal

Status = Literal["available", "end_of_support", "image_only"]
Path = Literal["none", "in_place", "new_environment"]
STATUSES: tuple[Status, ...] = ("available", "end_of_support", "image_only")
# the 2.x line from which MWAA changes majors in place, both ways
BRIDGE_MINOR = (2, 11)


class UnknownVersionError(ValueError):
    """A version string that is not in the table."""


@dataclass(frozen=True)
class AirflowVersion:
    version: str
    python: str
    status: Status
    end_of_support: date | None
    constraints: str | None

    @property
    def parts(self) -> tuple[int, ...]:
        return parse(self.version)

    @property
    def major(self) -> int:
        return self.parts[0]

    @property
    def offered(self) -> bool:
        """MWAA creates environments of this version today."""
        return self.status == "available"

    @property
    def components(self) -> tuple[str, ...]:
        """The Airflow processes an environment of this version runs (workers aside)."""
        if self.major >= 3:
            return ("scheduler", "dag-processor", "triggerer", "api-server")
        return ("scheduler", "triggerer", "webserver")


def parse(version: str) -> tuple[int, ...]:
    """``"2.10.3"`` -> ``(2, 10, 3)``; a clear error for anything else."""
    pieces = str(version).strip().split(".")
    if len(pieces) != 3 or not all(p.isdigit() for p in pieces):
        raise UnknownVersionError(f"not an Airflow version: {version!r} (expected MAJOR.MINOR.PATCH, e.g. 2.11.0)")
    return tuple(int(p) for p in pieces)


@cache
def _load() -> tuple[dict[str, AirflowVersion], str]:
    raw = json.loads(resources.files(__package__).joinpath("table.json").read_text())
    table: dict[str, AirflowVersion] = {}
    for row in raw["versions"]:
        if row["status"] not in STATUSES:
            raise ValueError(f"table.json: {row['version']}: status must be one of {STATUSES}")
        eos = date.fromisoformat(row["end_of_support"]) if row["end_of_support"] else None
        table[row["version"]] = AirflowVersion(row["version"], row["python"], row["status"], eos, row["constraints"])
    return dict(sorted(table.items(), key=lambda kv: parse(kv[0]))), raw["default"]


def all_versions() -> dict[str, AirflowVersion]:
    """Every version in the table, oldest first."""
    return dict(_load()[0])


def default_version() -> str:
    return _load()[1]


def get(version: str) -> AirflowVersion:
    table = _load()[0]
    if version not in table:
        parse(version)
        raise UnknownVersionError(f"Airflow {version} is not a version MWAA has offered; known: {', '.join(table)}")
    return table[version]


def offered() -> list[str]:
    """Versions MWAA creates environments of today (the Terraform module accepts exactly these)."""
    return [v for v, row in _load()[0].items() if row.offered]


def runnable() -> list[str]:
    """Versions with a constraints file: the ones a real local Airflow (and ``dags check``) can run."""
    return [v for v, row in _load()[0].items() if row.constraints]


def latest(major: int, *, include_image_only: bool = False) -> str:
    """The newest offered version of a major line."""
    rows = [r for r in _load()[0].values()
            if r.major == major and (r.offered or (include_image_only and r.status == "image_only"))]
    if not rows:
        raise UnknownVersionError(f"no offered Airflow {major}.x version")
    return max(rows, key=lambda r: r.parts).version


def change_path(current: str, target: str) -> Path:
    """How MWAA moves an environment from ``current`` to ``target``: ``none``, ``in_place`` or ``new_environment``."""
    old, new = parse(current), parse(target)
    if old == new:
        return "none"
    if old[0] == new[0]:
        return "in_place"
    if old[0] == 2 and new[0] == 3:
        return "in_place" if old[:2] >= BRIDGE_MINOR else "new_environment"
    if old[0] == 3 and new[0] == 2:
        return "in_place" if new[:2] >= BRIDGE_MINOR else "new_environment"
    return "new_environment"


def change_refusal(current: str, target: str) -> str | None:
    """MWAA's reason to refuse an in-place UpdateEnvironment from ``current`` to ``target`` (None: allowed)."""
    if change_path(current, target) != "new_environment":
        return None
    if parse(current)[0] < parse(target)[0]:
        return (f"Upgrading from Airflow {current} to {target} is not supported in place. Upgrade to Airflow "
                f"{'.'.join(map(str, BRIDGE_MINOR))}.x first, or create a new environment and migrate the metadata.")
    return (f"Downgrading from Airflow {current} to {target} is not supported in place: Airflow 3 environments "
            f"can be downgraded to {'.'.join(map(str, BRIDGE_MINOR))}.x or another 3.x version only.")


def terraform_copy() -> dict[str, object]:
    """What the Terraform module reads (``airflow_versions.json``): the table without local-only fields."""
    rows = _load()[0].values()
    return {
        "_generated": "from src/mwaa_platform/versions/table.json by `make versions`; do not edit",
        "offered": [r.version for r in rows if r.offered],
        "end_of_support": {r.version: (r.end_of_support.isoformat() if r.end_of_support else "") for r in rows
                           if r.status == "end_of_support"},
        "image_only": [r.version for r in rows if r.status == "image_only"],
        "bridge_minor": ".".join(map(str, BRIDGE_MINOR)),
    }
