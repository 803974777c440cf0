"""What every step receives: the configuration, a client factory, the execution's identity and a clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mwaa_platform import aws
from mwaa_platform.failover.config import FailoverConfig
from mwaa_platform.failover.state import StateStore, initial_document

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


def default_clients(service: str, region: str) -> Any:
    return aws.client(service, region)


@dataclass(frozen=True)
class Side:
    """One end of an operation: the region and the MWAA environment name there."""

    role: str          # primary | secondary
    region: str
    environment: str


@dataclass
class Context:
    config: FailoverConfig
    execution_id: str                       # the lease holder: a Step Functions execution ARN or runbook id
    clients: ClientFactory = default_clients
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = time.sleep
    task_token: str | None = None           # set for a .waitForTaskToken task
    step_started_at: str | None = None      # when the current step first started (polling steps time out)
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = self.clients(service, region)
        return self._cache[key]

    @property
    def primary(self) -> Side:
        c = self.config
        return Side("primary", c.primary_region, c.primary_environment)

    @property
    def secondary(self) -> Side:
        c = self.config
        return Side("secondary", c.secondary_region, c.secondary_environment)

    def store(self) -> StateStore:
        c = self.config
        return StateStore(self.client("dynamodb", c.secondary_region), c.state_table, c.env,
                          initial_document(c.env, c.primary_region, c.primary_environment))
