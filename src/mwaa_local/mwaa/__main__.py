"""``python -m mwaa_local.mwaa``: run the local MWAA service in the foreground.

Needs the emulator's environment (AWS_ENDPOINT_URL and dummy credentials) and a running PostgreSQL
cluster; :class:`mwaa_local.mwaa.launcher.LocalMwaa` starts it that way. SIGTERM stops every
Airflow process of every environment, then the service; environment records stay for the next start.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from mwaa_local.mwaa import DEFAULT_PORT
from mwaa_local.mwaa.settings import RUNTIMES, Settings


def parse(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description="local MWAA: the MWAA API backed by real Airflow")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--root", type=Path, required=True, help="state directory (records, environments)")
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--pg-root", type=Path, required=True)
    parser.add_argument("--default-runtime", choices=RUNTIMES, default="airflow")
    parser.add_argument("--metrics-period", type=float, default=60.0)
    parser.add_argument("--dag-sync-period", type=float, default=10.0)
    parser.add_argument("--control-plane-delay", type=float, default=1.0)
    parser.add_argument("--unavailable-after", type=float, default=60.0)
    parser.add_argument("--webserver", choices=("lazy", "eager"), default="lazy")
    parser.add_argument("--triggerer", action="store_true")
    parser.add_argument("--max-parallelism", type=int, default=2)
    parser.add_argument("--start-timeout", type=float, default=240.0)
    parser.add_argument("--worker-cooldown", type=float, default=120.0,
                        help="Celery environments: seconds of low use before extra workers are removed")
    parser.add_argument("--worker-graceful-timeout", type=float, default=600.0,
                        help="Celery environments: seconds a worker's warm shutdown may take")
    parser.add_argument("--log-ship-period", type=float, default=2.0)
    args = parser.parse_args(argv)
    return Settings(
        root=args.root, port=args.port, pg_port=args.pg_port, pg_root=args.pg_root,
        default_runtime=args.default_runtime, metrics_period=args.metrics_period,
        dag_sync_period=args.dag_sync_period, control_plane_delay=args.control_plane_delay,
        unavailable_after=args.unavailable_after, webserver=args.webserver, triggerer=args.triggerer,
        max_parallelism=args.max_parallelism, start_timeout=args.start_timeout,
        worker_cooldown=args.worker_cooldown, worker_graceful_timeout=args.worker_graceful_timeout,
        log_ship_period=args.log_ship_period,
    )


def main(argv: list[str] | None = None) -> None:
    settings = parse(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("botocore", "urllib3", "boto3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from mwaa_local.mwaa.api import MwaaServer
    from mwaa_local.mwaa.database import Databases
    from mwaa_local.mwaa.lifecycle import Controller
    from mwaa_local.mwaa.logshipping import LogShipper
    from mwaa_local.mwaa.metrics import MetricsPublisher
    from mwaa_local.mwaa.operations import Operations
    from mwaa_local.mwaa.store import Store
    from mwaa_local.postgres import Cluster
    from mwaa_platform.paths import state_dir

    settings.root.mkdir(parents=True, exist_ok=True)
    # One service per state directory: two would both run every environment's jobs (two version changes of
    # one database at once, two schedulers). The lock goes with the process, however it ends.
    root_lock = open(settings.root / "service.lock", "w")  # noqa: SIM115 (held for the process's lifetime)
    try:
        fcntl.flock(root_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"local MWAA: another service already runs on {settings.root} (stop it first: make down)")
    databases = Databases(Cluster(settings.pg_root, settings.pg_port), state_dir() / "cache" / "mwaa")
    controller = Controller(settings, Store(settings.root), databases)
    metrics = MetricsPublisher(controller, settings.metrics_period)
    shipper = LogShipper(controller, settings.log_ship_period)
    server = MwaaServer(("127.0.0.1", settings.port), Operations(controller))

    def shutdown(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    controller.start()
    metrics.start()
    shipper.start()
    logging.getLogger(__name__).info("local MWAA listening on 127.0.0.1:%d (root %s)", settings.port, settings.root)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        metrics.stop()
        controller.stop()
        shipper.stop()
        server.server_close()
        logging.shutdown()
        # Jobs still in flight (an Airflow start-up) must not hold the exit; their processes are recorded by
        # pid file and the launcher sweeps them.
        os._exit(0)


if __name__ == "__main__":
    main()
