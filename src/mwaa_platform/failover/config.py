"""The failover configuration: one JSON document, rendered by modules/dr-failover.

The Lambdas read it from the ``MWAA_PLATFORM_FAILOVER_CONFIG`` environment variable; the runbook reads the
same document from the SSM parameter ``/mwaa-platform/<env>/failover/config`` in the secondary region (or a
file). Unknown keys and bad values are rejected before anything is touched.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from mwaa_platform.failover.errors import ConfigError

ENV_VARIABLE = "MWAA_PLATFORM_FAILOVER_CONFIG"
DR_MODES = ("warm_standby", "backup_restore")
# the restore DAG's conf.in_flight (mwaa_platform.metadata.table_rules.IN_FLIGHT_POLICIES; this Lambda package does
# not carry the metadata engine, a unit test keeps the two equal)
IN_FLIGHT_POLICIES = ("keep", "rerun", "fail")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z_-]{0,79}$")


def ssm_parameter_name(env: str) -> str:
    return f"/mwaa-platform/{env}/failover/config"


@dataclass(frozen=True)
class HealthPolicy:
    """When is the primary unhealthy: N of the last M complete periods without enough scheduler heartbeats."""

    period_seconds: int = 60          # one CloudWatch period
    periods: int = 5                  # M: how many complete periods are looked at
    unhealthy_periods: int = 3        # N: how many of them must lack heartbeats
    min_heartbeats: float = 1.0       # a period with at least this many heartbeats is healthy
    grace_seconds: int = 60           # periods ending within this long ago are not complete yet (publish lag)
    canary_dag_id: str | None = None  # optional: a DAG whose recent success proves the primary works
    canary_max_age_seconds: int = 900

    def validate(self) -> None:
        if not 10 <= self.period_seconds <= 3600 or self.period_seconds % 10:
            raise ConfigError("health.period_seconds must be a multiple of 10 between 10 and 3600")
        if not 1 <= self.periods <= 60:
            raise ConfigError("health.periods (M) must be between 1 and 60")
        if not 1 <= self.unhealthy_periods <= self.periods:
            raise ConfigError("health.unhealthy_periods (N) must be between 1 and health.periods (M)")
        if self.min_heartbeats <= 0:
            raise ConfigError("health.min_heartbeats must be positive")
        if not 0 <= self.grace_seconds <= 3600:
            raise ConfigError("health.grace_seconds must be between 0 and 3600")
        if self.canary_dag_id is not None and not _NAME.match(self.canary_dag_id.replace(".", "_")):
            raise ConfigError("health.canary_dag_id must be a DAG id")


@dataclass(frozen=True)
class FailoverConfig:
    env: str
    primary_region: str
    secondary_region: str
    primary_environment: str
    secondary_environment: str
    state_table: str
    config_bucket: str                      # secondary-region bucket for the primary's stored configuration
    backup_url: str                         # s3://<replica bucket>/<prefix> the restore reads in the secondary
    dr_mode: str = "warm_standby"
    topic_arn: str | None = None
    config_prefix: str = "failover/environment-config"
    health: HealthPolicy = field(default_factory=HealthPolicy)
    # CreateEnvironment overrides for the secondary (backup_restore): ExecutionRoleArn, NetworkConfiguration,
    # KmsKey, SourceBucketArn, AirflowConfigurationOptions (merged), Tags (merged), WebserverAccessMode, ...
    secondary_overrides: dict[str, Any] = field(default_factory=dict)
    # Where the failback path writes the secondary's final backup (readable by the primary's restore).
    failback_backup_url: str | None = None
    lease_seconds: int = 900
    restore_dag_id: str = "dr_restore"
    backup_dag_id: str = "dr_backup"
    restore_strategy: str = "replace"
    # What the restore does with the snapshot's tasks that were queued or running when it was taken (they died with
    # the region): rerun (cleared, the secondary's scheduler runs them again), fail, or keep (left as they were).
    restore_in_flight: str = "rerun"
    restore_timeout_seconds: int = 1800
    wait_available_timeout_seconds: int = 5400
    poll_seconds: int = 30
    verify_dag_id: str | None = None
    verify_timeout_seconds: int = 240
    require_fencing: bool = False
    never_pause_dags: tuple[str, ...] = ("dr_restore",)

    # -- loading -------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> FailoverConfig:
        if not isinstance(doc, Mapping):
            raise ConfigError("the failover configuration must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise ConfigError(f"unknown failover configuration keys {unknown}; known: {sorted(known)}")
        values = dict(doc)
        health = values.pop("health", None) or {}
        if not isinstance(health, Mapping):
            raise ConfigError("health must be an object")
        health_known = {f.name for f in fields(HealthPolicy)}
        if set(health) - health_known:
            raise ConfigError(f"unknown health keys {sorted(set(health) - health_known)}; "
                              f"known: {sorted(health_known)}")
        overrides = values.get("secondary_overrides")
        values["secondary_overrides"] = {k: v for k, v in (overrides or {}).items() if v is not None} \
            if isinstance(overrides, Mapping) or overrides is None else overrides
        if "never_pause_dags" in values:
            never = values["never_pause_dags"] or []
            if not isinstance(never, list) or not all(isinstance(d, str) for d in never):
                raise ConfigError("never_pause_dags must be a list of DAG ids")
            values["never_pause_dags"] = tuple(never)
        missing = [f.name for f in fields(cls) if f.name not in values
                   and f.default is MISSING and f.default_factory is MISSING]
        if missing:
            raise ConfigError(f"the failover configuration lacks {missing}")
        try:
            config = cls(health=HealthPolicy(**health), **values)
        except TypeError as exc:
            raise ConfigError(f"the failover configuration is malformed: {exc}") from None
        try:
            config.validate()
        except (TypeError, AttributeError) as exc:  # e.g. a number given as a string, or a string as a number
            raise ConfigError(f"a failover configuration value has the wrong type: {exc}") from None
        return config

    @classmethod
    def from_json(cls, text: str) -> FailoverConfig:
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ConfigError(f"the failover configuration is not JSON: {type(exc).__name__}: {exc}"[:300]) from None
        return cls.from_dict(doc)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> FailoverConfig:
        environ = os.environ if environ is None else environ
        text = environ.get(ENV_VARIABLE)
        if not text:
            raise ConfigError(f"{ENV_VARIABLE} is not set (the dr-failover module sets it on every Lambda)")
        return cls.from_json(text)

    @classmethod
    def from_file(cls, path: Path) -> FailoverConfig:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8
            raise ConfigError(f"cannot read {path}: {exc}") from None
        return cls.from_json(text)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["never_pause_dags"] = list(self.never_pause_dags)
        return doc

    # -- validation ----------------------------------------------------------------------------------------
    def validate(self) -> None:
        if not re.match(r"^[a-z][a-z0-9]{1,11}$", self.env):
            raise ConfigError("env must be 2-12 lowercase letters/digits starting with a letter")
        for name in ("primary_region", "secondary_region"):
            if not _REGION.match(getattr(self, name)):
                raise ConfigError(f"{name} must be a region name such as us-east-1")
        if self.primary_region == self.secondary_region:
            raise ConfigError("primary_region and secondary_region must differ")
        for name in ("primary_environment", "secondary_environment"):
            if not _NAME.match(getattr(self, name)):
                raise ConfigError(f"{name} must be an MWAA environment name (letter first, then letters, "
                                  "digits, - or _; at most 80)")
        if self.dr_mode not in DR_MODES:
            raise ConfigError(f"dr_mode must be one of {list(DR_MODES)}")
        for name in ("backup_url",) + (("failback_backup_url",) if self.failback_backup_url else ()):
            if not str(getattr(self, name)).startswith("s3://") or len(str(getattr(self, name))) < 6:
                raise ConfigError(f"{name} must look like s3://bucket/prefix")
        if not self.state_table or not self.config_bucket:
            raise ConfigError("state_table and config_bucket are required")
        if self.topic_arn is not None and not self.topic_arn.startswith("arn:"):
            raise ConfigError("topic_arn must be an SNS topic ARN")
        if self.restore_strategy not in ("replace", "skip"):
            raise ConfigError("restore_strategy must be replace or skip")
        if self.restore_in_flight not in IN_FLIGHT_POLICIES:
            raise ConfigError(f"restore_in_flight must be one of {list(IN_FLIGHT_POLICIES)}")
        if not 60 <= self.lease_seconds <= 86400:
            raise ConfigError("lease_seconds must be between 60 and 86400")
        if not 60 <= self.restore_timeout_seconds <= 86400:
            raise ConfigError("restore_timeout_seconds must be between 60 and 86400")
        if not 1 <= self.poll_seconds <= 600:
            raise ConfigError("poll_seconds must be between 1 and 600")
        if not 10 <= self.verify_timeout_seconds <= 840:
            raise ConfigError("verify_timeout_seconds must be between 10 and 840 (it runs inside one Lambda call)")
        if not 60 <= self.wait_available_timeout_seconds <= 86400:
            raise ConfigError("wait_available_timeout_seconds must be between 60 and 86400")
        allowed_overrides = {"AirflowVersion", "ExecutionRoleArn", "NetworkConfiguration", "KmsKey", "SourceBucketArn",
                             "AirflowConfigurationOptions", "Tags", "WebserverAccessMode", "EnvironmentClass",
                             "MaxWorkers", "MinWorkers", "Schedulers", "LoggingConfiguration", "EndpointManagement",
                             "DagS3Path", "RequirementsS3Path", "PluginsS3Path", "StartupScriptS3Path"}
        extra = sorted(set(self.secondary_overrides) - allowed_overrides)
        if extra:
            raise ConfigError(f"secondary_overrides has keys CreateEnvironment does not take: {extra}")
        self.health.validate()

    # -- derived -------------------------------------------------------------------------------------------
    @property
    def stored_config_key(self) -> str:
        return f"{self.config_prefix.strip('/')}/{self.primary_environment}.json"
