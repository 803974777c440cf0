"""One upgrade's settings: which environment, where, to what, how, and where its state lives."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal

from mwaa_platform import versions

Strategy = Literal["in_place", "blue_green"]
STATE_TABLE_VARIABLE = "MWAA_PLATFORM_UPGRADE_STATE_TABLE"
_NAME = re.compile(r"^[A-Za-z][0-9A-Za-z_-]{0,79}$")


class UpgradeConfigError(ValueError):
    """Bad input (nothing was changed)."""


@dataclass(frozen=True)
class UpgradeConfig:
    environment: str
    region: str | None
    state_table: str
    target: str | None = None                 # None for resume / rollback / status (read from the state)
    strategy: Strategy = "in_place"
    target_environment: str | None = None     # blue-green: the new environment (default <env>-<major>-<minor>)
    backup_dag_id: str = "dr_backup"
    restore_dag_id: str = "dr_restore"
    canary_dag_id: str | None = None          # triggered after the change; must succeed
    snapshot: bool = True                     # our own restore point before the change
    skip_check: bool = False                  # execute without `upgrade check` first (recorded in the state)
    lease_seconds: int = 900
    poll_seconds: float = 10.0
    wait_timeout_seconds: int = 7200
    run_timeout_seconds: int = 1800
    parse_timeout_seconds: int = 900
    drain_timeout_seconds: int = 900          # after pause: wait for running/queued tasks to end (0: do not)

    def __post_init__(self) -> None:
        for name in (self.environment, self.target_environment):
            if name is not None and not _NAME.match(name):
                raise UpgradeConfigError(f"not an MWAA environment name: {name!r}")
        if not self.state_table:
            raise UpgradeConfigError(f"give --state-table (or {STATE_TABLE_VARIABLE}): the DynamoDB table that holds "
                                     "the upgrade state and lease (the failover state table works)")
        if self.target is not None:
            try:
                versions.get(self.target)
            except versions.UnknownVersionError as exc:
                raise UpgradeConfigError(str(exc)) from None
        if self.drain_timeout_seconds < 0:
            raise UpgradeConfigError("--drain-timeout must be 0 (do not wait) or a number of seconds")
        if self.strategy not in ("in_place", "blue_green"):
            raise UpgradeConfigError(f"--strategy must be in-place or blue-green, not {self.strategy!r}")

    @property
    def new_environment(self) -> str:
        if self.target_environment:
            return self.target_environment
        if not self.target:
            raise UpgradeConfigError("blue-green needs --to (or --target-env)")
        major, minor, _ = versions.parse(self.target)
        return f"{self.environment}-{major}-{minor}"[:80]


def default_state_table() -> str:
    return os.environ.get(STATE_TABLE_VARIABLE, "")
