"""The failover configuration is validated before anything is touched."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mwaa_platform.failover.config import FailoverConfig
from mwaa_platform.failover.errors import ConfigError, RefusedError
from mwaa_platform.failover.steps import create_params

BASE: dict[str, Any] = {
    "env": "prod", "primary_region": "us-east-1", "secondary_region": "us-west-2",
    "primary_environment": "mwaa-prod-primary", "secondary_environment": "mwaa-prod-secondary",
    "state_table": "mwaa-prod-failover", "config_bucket": "mwaa-prod-dr-config",
    "backup_url": "s3://mwaa-prod-backup-replica/prod",
}


def test_round_trip_through_json() -> None:
    config = FailoverConfig.from_dict({**BASE, "health": {"periods": 6, "unhealthy_periods": 4}})
    again = FailoverConfig.from_json(json.dumps(config.to_dict()))
    assert again == config
    assert again.health.periods == 6 and again.health.unhealthy_periods == 4
    assert again.stored_config_key == "failover/environment-config/mwaa-prod-primary.json"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unknown_key": 1}, "unknown failover configuration keys"),
        ({"health": {"periods": 3, "unhealthy_periods": 4}}, "unhealthy_periods (N)"),
        ({"health": {"period_seconds": 45}}, "period_seconds"),
        ({"health": {"thresold": 1}}, "unknown health keys"),
        ({"secondary_region": "us-east-1"}, "must differ"),
        ({"dr_mode": "pilot_light"}, "dr_mode"),
        ({"backup_url": "mwaa-prod-backup"}, "s3://"),
        ({"lease_seconds": "900"}, "wrong type"),
        ({"secondary_overrides": {"Name": "x"}}, "CreateEnvironment does not take"),
        ({"primary_environment": "1-bad"}, "MWAA environment name"),
        ({"restore_in_flight": "retry"}, "restore_in_flight must be one of"),
    ],
)
def test_rejects_bad_configuration(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FailoverConfig.from_dict({**BASE, **change})


def test_missing_required_keys_are_named() -> None:
    doc = {k: v for k, v in BASE.items() if k != "state_table"}
    with pytest.raises(ConfigError, match="state_table"):
        FailoverConfig.from_dict(doc)


def test_environment_variable_is_required() -> None:
    with pytest.raises(ConfigError, match="MWAA_PLATFORM_FAILOVER_CONFIG"):
        FailoverConfig.from_environment({})


# -- the environment a backup_restore failover creates ----------------------------------------------------------
_REGIONAL = {"ExecutionRoleArn": "arn:aws:iam::111122223333:role/exec-west",
             "SourceBucketArn": "arn:aws:s3:::dags-west",
             "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-w"]}}


def _stored(version: str) -> dict[str, Any]:
    return {"Name": "mwaa-prod", "AirflowVersion": version, "EnvironmentClass": "mw1.small",
            "ExecutionRoleArn": "arn:aws:iam::111122223333:role/exec-east", "SourceBucketArn": "arn:aws:s3:::dags-east",
            "NetworkConfiguration": {"SubnetIds": ["subnet-e1", "subnet-e2"], "SecurityGroupIds": ["sg-e"]}}


@pytest.mark.parametrize(("primary", "secondary"), [("2.11.0", "3.2.1"), ("2.10.3", "2.11.0"), ("3.2.1", "3.2.1")])
def test_a_secondary_upgraded_first_is_created_on_its_own_version(primary: str, secondary: str) -> None:
    params = create_params(_stored(primary), {**_REGIONAL, "AirflowVersion": secondary}, "mwaa-prod")
    assert params["AirflowVersion"] == secondary
    assert params["ExecutionRoleArn"] == _REGIONAL["ExecutionRoleArn"] and params["EnvironmentClass"] == "mw1.small"


def test_without_a_version_override_the_primary_version_is_kept() -> None:
    assert create_params(_stored("2.11.0"), dict(_REGIONAL), "mwaa-prod")["AirflowVersion"] == "2.11.0"


@pytest.mark.parametrize(("primary", "secondary"), [("3.2.1", "2.11.0"), ("2.11.0", "2.10.3"), ("3.2.1", "3.0.6")])
def test_a_secondary_older_than_the_primary_is_refused(primary: str, secondary: str) -> None:
    with pytest.raises(RefusedError, match=f"older than the primary's {primary}"):
        create_params(_stored(primary), {**_REGIONAL, "AirflowVersion": secondary}, "mwaa-prod")


def test_a_malformed_version_override_is_refused() -> None:
    with pytest.raises(RefusedError, match="not an Airflow version"):
        create_params(_stored("2.11.0"), {**_REGIONAL, "AirflowVersion": "3.x"}, "mwaa-prod")


def test_in_flight_policies_match_the_restore_engine() -> None:
    """The failover Lambda does not carry the metadata engine: its copy of the policies must stay the engine's."""
    from mwaa_platform.failover.config import IN_FLIGHT_POLICIES
    from mwaa_platform.metadata.table_rules import IN_FLIGHT_POLICIES as ENGINE

    assert tuple(IN_FLIGHT_POLICIES) == tuple(ENGINE)
    assert FailoverConfig.from_dict(BASE).restore_in_flight == "rerun"  # tasks that died with the region run again
