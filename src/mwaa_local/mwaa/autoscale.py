"""Celery worker autoscaling between MinWorkers and MaxWorkers, from queued + running tasks.

MWAA adds workers when queued + running tasks exceed what the running workers can take and removes the extra
ones after a period of low use. The numbers chosen here (local MWAA, documented in README.md):

* every ``CHECK_SECONDS`` (2 s) the demand ``D`` = task instances in state ``queued`` or ``running`` is read from
  the metadata DB; the wanted count is ``clamp(ceil(D / tasks per worker), MinWorkers, MaxWorkers)``;
* more wanted than running: the missing workers start at once (MWAA takes minutes to add a Fargate worker);
* fewer wanted: only after the demand stayed below the capacity for ``--worker-cooldown`` seconds (120; the
  tests shorten it) are the extra workers, the highest-numbered first, stopped with a warm shutdown (tasks that
  still run on them finish);
* a worker that died is replaced at the next check (the count never stays below MinWorkers).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from mwaa_local.mwaa import celery_workers
from mwaa_local.mwaa.store import Key

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0


def demand(rt: Any) -> int:
    """Queued + running task instances in the environment's metadata DB."""
    import psycopg2

    dsn = rt.databases.cluster.dsn(rt.record["_local"]["database"])
    with contextlib.closing(psycopg2.connect(dsn, connect_timeout=5)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM task_instance WHERE state IN ('queued', 'running')")
        row = cur.fetchone()
    return int(row[0]) if row else 0


@dataclass
class _State:
    last_check: float = float("-inf")
    low_since: float | None = None
    stopping: set[str] = field(default_factory=set)


class WorkerScaler:
    def __init__(self, cooldown: float, graceful_timeout: float) -> None:
        self.cooldown = cooldown
        self.graceful_timeout = graceful_timeout
        self._states: dict[Key, _State] = {}
        self._lock = threading.Lock()

    def forget(self, key: Key) -> None:
        with self._lock:
            self._states.pop(key, None)

    def check(self, rt: Any, now: float) -> None:
        """One scaling decision for a running Celery environment (called from the lifecycle tick)."""
        with self._lock:
            state = self._states.setdefault(rt.key, _State())
            if now - state.last_check < CHECK_SECONDS:
                return
            state.last_check = now
            stopping = set(state.stopping)
        try:
            wanted_tasks = demand(rt)
        except Exception as exc:
            log.debug("%s: demand unreadable: %s", rt.key, exc)
            return
        record = rt.record
        running = [w for w in celery_workers.workers(rt) if w not in stopping]
        want = celery_workers.needed(wanted_tasks, celery_workers.tasks_per_worker(record),
                                     int(record["MinWorkers"]), int(record["MaxWorkers"]))
        if want > len(running):
            state.low_since = None
            self._scale_out(rt, running, stopping, want)
        elif want < len(running):
            state.low_since = now if state.low_since is None else state.low_since
            if now - state.low_since >= self.cooldown:
                state.low_since = None
                self._scale_in(rt, state, running[want:], wanted_tasks)
        else:
            state.low_since = None

    def _scale_out(self, rt: Any, running: list[str], stopping: set[str], want: int) -> None:
        taken = set(running) | stopping
        index, added = 1, []
        while len(running) + len(added) < want:
            name = celery_workers.worker_name(index)
            if name not in taken:
                rt.start(name)
                added.append(name)
            index += 1
        log.info("%s: scale out %d -> %d workers (+%s)", rt.key, len(running), want, ", ".join(added))

    def _scale_in(self, rt: Any, state: _State, victims: list[str], tasks: int) -> None:
        log.info("%s: scale in: %d queued+running task(s), stopping %s (warm shutdown)", rt.key, tasks,
                 ", ".join(victims))
        with self._lock:
            state.stopping.update(victims)

        def stop(name: str) -> None:
            try:
                celery_workers.stop_worker(rt, name, "GRACEFUL", self.graceful_timeout)
            finally:
                with self._lock:
                    state.stopping.discard(name)

        for name in victims:
            threading.Thread(target=stop, args=(name,), name=f"mwaa-scale-in-{name}", daemon=True).start()
