"""Knobs of the local MWAA service (command-line flags of ``python -m mwaa_local.mwaa``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RUNTIMES = ("airflow", "none")
# Per-environment override of the service's default runtime: a tag on the environment.
RUNTIME_TAG = "mwaa-local:runtime"


@dataclass(frozen=True)
class Settings:
    root: Path
    port: int
    pg_port: int
    pg_root: Path
    # "airflow": environments run a real Airflow; "none": control plane only (statuses, events, tokens).
    default_runtime: str = "airflow"
    # Seconds between two AmazonMWAA metric publications (and the heartbeat granularity).
    metrics_period: float = 60.0
    # Seconds between two DAG syncs from the source bucket.
    dag_sync_period: float = 10.0
    # Seconds a `none`-runtime environment spends in CREATING / UPDATING / DELETING.
    control_plane_delay: float = 1.0
    # A dead scheduler for this long turns AVAILABLE into UNAVAILABLE (0: never).
    unavailable_after: float = 60.0
    # "lazy": the Airflow 2 webserver starts on the first token / InvokeRestApi call; "eager": with the env.
    webserver: str = "lazy"
    # Start an Airflow triggerer per environment (deferrable operators); off to save a process.
    triggerer: bool = False
    # Cap on [core] parallelism (LocalExecutor task slots) on a shared 2-core machine.
    max_parallelism: int = 2
    # Seconds to wait for an Airflow component to become healthy.
    start_timeout: float = 240.0
    # Celery environments: seconds of low use before extra workers are removed (autoscale.py).
    worker_cooldown: float = 120.0
    # Celery environments: seconds a warm shutdown (GRACEFUL replacement, scale-in) may take before SIGKILL.
    worker_graceful_timeout: float = 600.0
    # Seconds between two passes of the CloudWatch Logs shipper over the component log files.
    log_ship_period: float = 2.0

    def __post_init__(self) -> None:
        if self.default_runtime not in RUNTIMES:
            raise ValueError(f"default runtime must be one of {RUNTIMES}, got {self.default_runtime!r}")
        if self.webserver not in ("lazy", "eager"):
            raise ValueError(f"webserver must be 'lazy' or 'eager', got {self.webserver!r}")
        if self.metrics_period <= 0 or self.dag_sync_period <= 0 or self.log_ship_period <= 0:
            raise ValueError("metrics_period, dag_sync_period and log_ship_period must be positive")
