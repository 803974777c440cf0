"""What MWAA accepts per environment class and Airflow version (MWAA user guide, environment-class page).

| class       | default concurrent tasks | schedulers (default) | workers min..max | webservers min..max |
|-------------|--------------------------|----------------------|------------------|---------------------|
| mw1.micro   | 3                        | 1 (1)                | 1..1             | 1..1                |
| mw1.small   | 5                        | 2..5 (2)             | 1..25            | 2..5                |
| mw1.medium  | 10                       | 2..5 (2)             | 1..25            | 2..5                |
| mw1.large   | 20                       | 2..5 (2)             | 1..25            | 2..5                |
| mw1.xlarge  | 40                       | 2..5 (2)             | 1..25            | 2..5                |
| mw1.2xlarge | 80                       | 2..5 (2)             | 1..25            | 2..5                |
"""

from __future__ import annotations

from dataclasses import dataclass

from mwaa_platform import versions


@dataclass(frozen=True)
class Capacity:
    tasks: int
    schedulers: tuple[int, int]
    workers: tuple[int, int]
    webservers: tuple[int, int]

    @property
    def default_schedulers(self) -> int:
        return self.schedulers[0]

    @property
    def default_max_workers(self) -> int:
        return min(10, self.workers[1])


_LARGER = ((2, 5), (1, 25), (2, 5))
CLASSES: dict[str, Capacity] = {
    "mw1.micro": Capacity(3, (1, 1), (1, 1), (1, 1)),
    "mw1.small": Capacity(5, *_LARGER),
    "mw1.medium": Capacity(10, *_LARGER),
    "mw1.large": Capacity(20, *_LARGER),
    "mw1.xlarge": Capacity(40, *_LARGER),
    "mw1.2xlarge": Capacity(80, *_LARGER),
}
DEFAULT_CLASS = "mw1.small"

# Airflow versions the local MWAA accepts for new environments, from the one version table
# (mwaa_platform.versions): what MWAA offers plus the image_only versions (run locally to test ahead).
# Only versions with a constraints file can run a real local Airflow; the others work with the `none` runtime.
VERSIONS = tuple(v for v, row in versions.all_versions().items() if row.status != "end_of_support")
DEFAULT_VERSION = versions.default_version()


def capacity_errors(env_class: str, schedulers: int, min_workers: int, max_workers: int,
                    min_webservers: int, max_webservers: int) -> list[str]:
    """Every way the numbers break the class's limits, as one readable sentence each."""
    cap = CLASSES[env_class]
    problems = []
    checks = (
        ("Schedulers", schedulers, cap.schedulers),
        ("MinWorkers", min_workers, cap.workers),
        ("MaxWorkers", max_workers, cap.workers),
        ("MinWebservers", min_webservers, cap.webservers),
        ("MaxWebservers", max_webservers, cap.webservers),
    )
    for label, value, (low, high) in checks:
        if not low <= value <= high:
            allowed = f"{low}" if low == high else f"{low} to {high}"
            problems.append(f"{label} must be {allowed} for {env_class} (got {value})")
    if min_workers > max_workers:
        problems.append(f"MinWorkers ({min_workers}) must not be greater than MaxWorkers ({max_workers})")
    if min_webservers > max_webservers:
        problems.append(f"MinWebservers ({min_webservers}) must not be greater than MaxWebservers ({max_webservers})")
    return problems
