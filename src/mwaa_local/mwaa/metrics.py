"""AmazonMWAA metrics to the emulator's CloudWatch, only while an environment's scheduler lives.

Every poll the publisher looks at each environment's scheduler: the process recorded in its pid file must
be alive *and* the scheduler job's heartbeat in the metadata DB must have advanced. Each advance counts as
one heartbeat; at the end of every period the count is published as ``SchedulerHeartbeat`` (dimensions
``Environment``, ``Function=Scheduler``, as MWAA publishes it), with the executor and DAG-processing gauges
read from the metadata DB. Kill the scheduler and the next period publishes nothing: that is the regional
failure the DR drill detects.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwaa_local.mwaa import celery_workers
from mwaa_local.mwaa.identity import client
from mwaa_local.mwaa.store import Key, key_of

NAMESPACE = "AmazonMWAA"
log = logging.getLogger(__name__)


@dataclass
class _Window:
    started: float
    last_beat: float | None = None
    beats: int = 0


def dimensions(name: str, function: str) -> list[dict[str, str]]:
    return [{"Name": "Environment", "Value": name}, {"Name": "Function", "Value": function}]


def gauges(rt: Any) -> dict[tuple[str, str], float]:
    """Executor and DAG-processing gauges from the environment's metadata DB."""
    import psycopg2

    stale = "is_stale" if rt.major >= 3 else "NOT is_active"
    queries = {
        ("RunningTasks", "Executor"): "SELECT count(*) FROM task_instance WHERE state = 'running'",
        ("QueuedTasks", "Executor"): "SELECT count(*) FROM task_instance WHERE state = 'queued'",
        ("ImportErrors", "DAG Processing"): "SELECT count(*) FROM import_error",
        ("DagBagSize", "DAG Processing"): f"SELECT count(*) FROM dag WHERE NOT ({stale})",
    }
    values: dict[tuple[str, str], float] = {}
    dsn = rt.databases.cluster.dsn(rt.record["_local"]["database"])
    with contextlib.closing(psycopg2.connect(dsn, connect_timeout=5)) as conn, conn.cursor() as cur:
        for metric, sql in queries.items():
            cur.execute(sql)
            row = cur.fetchone()
            values[metric] = float(row[0] if row else 0)
    slots = rt.parallelism()
    if rt.celery:  # Celery: the running workers' task slots; the worker fleet as the autoscaler left it
        workers = len(celery_workers.workers(rt))
        slots = workers * celery_workers.tasks_per_worker(rt.record)
        values[("WorkerCount", "Executor")] = float(workers)
        values[("AdditionalWorkerCount", "Executor")] = float(max(0, workers - int(rt.record["MinWorkers"])))
    values[("OpenSlots", "Executor")] = float(max(0, slots - values[("RunningTasks", "Executor")]))
    return values


def metric_data(name: str, beats: int, extra: dict[tuple[str, str], float], when: datetime) -> list[dict[str, Any]]:
    data = [{"MetricName": "SchedulerHeartbeat", "Dimensions": dimensions(name, "Scheduler"), "Timestamp": when,
             "Value": float(beats), "Unit": "Count"}]
    for (metric, function), value in sorted(extra.items()):
        data.append({"MetricName": metric, "Dimensions": dimensions(name, function), "Timestamp": when,
                     "Value": value, "Unit": "Count"})
    return data


class MetricsPublisher:
    def __init__(self, controller: Any, period: float) -> None:
        self.controller = controller
        self.period = period
        self.poll = max(0.5, min(5.0, period / 4))
        self._windows: dict[Key, _Window] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.published: dict[Key, float] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="mwaa-metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.sample()
            except Exception:
                log.exception("metrics sample failed")

    def sample(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        live: set[Key] = set()
        for record in self.controller.store.all():
            if not self.controller.runs_airflow(record) or record["Status"] in ("CREATING", "DELETING", "PENDING"):
                continue
            key = key_of(record)
            live.add(key)
            window = self._windows.setdefault(key, _Window(started=now))
            rt = self.controller.runtime(record)
            if rt.alive("scheduler"):
                try:
                    beat = rt.scheduler_heartbeat()
                except Exception as exc:
                    log.debug("%s: heartbeat unreadable: %s", key, exc)
                    beat = None
                if beat is not None and (window.last_beat is None or beat > window.last_beat):
                    if window.last_beat is not None:
                        window.beats += 1
                    window.last_beat = beat
            else:
                window.last_beat, window.beats = None, 0
            if now - window.started >= self.period:
                self._publish(record, rt, window.beats)
                window.started, window.beats = now, 0
        for gone in set(self._windows) - live:
            self._windows.pop(gone, None)

    def _publish(self, record: dict[str, Any], rt: Any, beats: int) -> None:
        if beats <= 0 or not rt.alive("scheduler"):
            return
        try:
            extra = gauges(rt)
        except Exception as exc:
            log.debug("%s: gauges unreadable: %s", record["Name"], exc)
            extra = {}
        local = record["_local"]
        data = metric_data(record["Name"], beats, extra, datetime.now(UTC))
        client("cloudwatch", local["access_key_id"], local["region"]).put_metric_data(Namespace=NAMESPACE,
                                                                                       MetricData=data)
        self.published[key_of(record)] = time.time()
