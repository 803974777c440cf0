"""The DR drill's in-flight scenario (:mod:`mwaa_local.dr_drill`): Celery tasks queued in SQS and running on workers
when the region dies, and what became of each one.

Before the kill, in the primary (Airflow 2.11.0 mw1.small: CeleryExecutor on the emulator's SQS, one worker of 5
slots, ``core.parallelism`` above that so a backlog can wait in the queue):

1. run ``early`` of :data:`INFLIGHT_DAG`: its :data:`TASKS` tasks hold a worker slot each (they sleep while they run
   in the primary region, and finish at once anywhere else);
2. a replicated snapshot taken while they run, so the restore carries them as in flight;
3. run ``late``: its tasks take the last slot and wait in SQS behind the others; no snapshot can carry it (the
   backup task itself would wait behind it);
4. the kill (:meth:`Drill.kill`): scheduler, workers, triggerer, DAG processor.

After the failover the report lists each task: its state at the kill (running on which worker, or queued in SQS),
and its state in the secondary: rerun there (the restore's ``in_flight`` policy, ``rerun`` by default, cleared it
and the secondary's scheduler ran it again), or lost with the region (its run was newer than the last snapshot; its
message is still in the dead region's queue).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import psycopg2
from botocore.exceptions import ClientError

from mwaa_local.dr_drill_stack import (
    ENVIRONMENT,
    INFLIGHT_DAG,
    PRIMARY,
    SECONDARY,
    Stack,
    client,
    environment_db,
    log,
    now,
    rest,
    wait_for,
)

TASKS = 4                     # per run: with 5 slots on the one worker, ``early`` leaves one for backups
HOLD_SECONDS = 1800           # in the primary region: until the region dies
RUNS = ("early", "late")
SETTLED = ("success", "failed", "upstream_failed", "skipped", "removed")

# Shipped next to the workload DAG. Each task sleeps only in the region named by the run's conf: the secondary's
# rerun of the same task instance finishes at once.
DAG_SOURCE = f'''"""Drill in-flight work: tasks that hold a worker slot while the primary region lives."""
import os
import time

import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task

with DAG(dag_id="{INFLIGHT_DAG}", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         catchup=False, tags=["drill"]) as dag:

    @task
    def hold(index, **context):
        conf = context["dag_run"].conf or {{}}
        region = os.environ.get("AWS_REGION")
        if region == conf.get("hold_in"):
            time.sleep(int(conf.get("hold_seconds", 0)))
        return {{"index": index, "region": region}}

    for i in range({TASKS}):
        hold.override(task_id=f"hold_{{i}}")(i)
'''


def task_states(stack: Stack, region: str) -> dict[str, dict[str, dict[str, Any]]]:
    """run id -> task id -> state, hostname, try number, start date (the region's metadata database)."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    with contextlib.closing(psycopg2.connect(stack.cluster.dsn(environment_db(stack, region)),
                                             connect_timeout=10)) as conn, conn.cursor() as cur:
        cur.execute("SELECT run_id, task_id, state, hostname, try_number, start_date FROM task_instance "
                    "WHERE dag_id = %s", (INFLIGHT_DAG,))
        for run_id, task_id, state, host, tries, started in cur.fetchall():
            found.setdefault(run_id, {})[task_id] = {"state": state, "hostname": host or None, "try_number": tries,
                                                      "start_date": started.isoformat() if started else None}
    return found


def queue_depth(region: str) -> dict[str, Any] | None:
    """The environment's Celery queue: messages waiting (visible) and taken by a worker (not visible)."""
    env = client("mwaa", region).get_environment(Name=ENVIRONMENT)["Environment"]
    arn = env.get("CeleryExecutorQueue")
    if not arn:
        return None
    sqs = client("sqs", region)
    try:
        url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
    except ClientError as exc:  # reported as on MWAA, but the local MWAA runs this version on LocalExecutor
        if exc.response.get("Error", {}).get("Code") in ("AWS.SimpleQueueService.NonExistentQueue",
                                                         "QueueDoesNotExist"):
            return None
        raise
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return {"queue": arn.rsplit(":", 1)[-1], "waiting": int(attributes["ApproximateNumberOfMessages"]),
            "taken_by_workers": int(attributes["ApproximateNumberOfMessagesNotVisible"])}


class InFlight:
    """The scenario's two runs in the primary, their state at the kill, and their fate in the secondary."""

    def __init__(self, stack: Stack, snapshot_after: Any) -> None:
        self.stack = stack
        self.snapshot_after = snapshot_after    # callable(iso time) -> bool: a replicated snapshot taken after it
        self.run_ids = {name: f"drill_inflight_{name}_{now().strftime('%Y%m%dT%H%M%S')}" for name in RUNS}
        self.at_kill: dict[str, Any] = {}

    def _trigger(self, name: str) -> None:
        rest(PRIMARY).trigger(INFLIGHT_DAG, self.run_ids[name], {"hold_in": PRIMARY, "hold_seconds": HOLD_SECONDS},
                              logical_date=now().isoformat())

    def _states(self, name: str) -> list[str | None]:
        tasks = task_states(self.stack, PRIMARY).get(self.run_ids[name], {})
        return [t["state"] for t in tasks.values()] if len(tasks) == TASKS else []

    def before_kill(self) -> None:
        """Runs ``early`` (captured by a snapshot) and ``late`` (not), until ``late``'s tasks are queued."""
        self._trigger("early")
        wait_for("the early in-flight tasks running in the primary",
                 lambda: self._states("early") and all(s == "running" for s in self._states("early")),
                 timeout=300, every=2)
        running_since = now().isoformat()
        wait_for("a replicated snapshot taken while they run", lambda: self.snapshot_after(running_since),
                 timeout=420, every=5)
        self._trigger("late")
        wait_for("the late in-flight tasks queued or running",
                 lambda: self._states("late") and all(s in ("queued", "running") for s in self._states("late")),
                 timeout=180, every=1)
        log(f"in flight: {self.run_ids}")

    def record_kill(self, killed_at: datetime, killed: list[str]) -> None:
        """Right after the kill: what each task was doing, and the dead region's queue."""
        self.at_kill = {"killed_at": killed_at.isoformat(), "killed": killed,
                        "tasks": task_states(self.stack, PRIMARY), "queue": _quiet(queue_depth, PRIMARY)}

    def outcome(self, killed_at: datetime, in_flight_policy: str, restore_tables: dict[str, Any]) -> dict[str, Any]:
        """After the failover: wait (bounded) for the reruns to settle in the secondary, then judge each task."""
        def secondary() -> dict[str, dict[str, dict[str, Any]]]:
            return task_states(self.stack, SECONDARY)

        def settled() -> bool:
            tasks = secondary()
            return all(t["state"] in SETTLED for run in self.run_ids.values() for t in tasks.get(run, {}).values())

        try:
            wait_for("the in-flight tasks settled in the secondary", settled, timeout=360, every=5)
        except TimeoutError as exc:
            log(str(exc))
        after = secondary()
        before = self.at_kill.get("tasks") or {}
        queue = self.at_kill.get("queue")
        rows = []
        for name, run_id in self.run_ids.items():
            for task_id, was in sorted((before.get(run_id) or {}).items()):
                now_ = (after.get(run_id) or {}).get(task_id)
                rows.append({"run": name, "task": task_id, "at_kill": _where(was, queue),
                             "secondary": None if now_ is None else {**now_, "region": SECONDARY},
                             "fate": _fate(was, now_, killed_at, in_flight_policy)})
        ti = restore_tables.get("task_instance") or {}
        return {"policy": in_flight_policy, "killed": self.at_kill.get("killed"),
                "queue_at_kill": self.at_kill.get("queue"), "queue_after": _quiet(queue_depth, PRIMARY),
                "restore_in_flight_changed": ti.get("in_flight_changed"), "tasks": rows,
                "lost": sum(r["fate"].startswith("lost") for r in rows),
                "rerun": sum(r["fate"].startswith("rerun") for r in rows)}


def _quiet(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # the report says it could not look, the drill goes on
        return {"error": f"{type(exc).__name__}: {exc}"}


def _where(task: dict[str, Any], queue: dict[str, Any] | None = None) -> str:
    state = task.get("state")
    if state == "running":
        return f"running on {task.get('hostname')}"
    if state == "queued":
        return "queued in SQS" if queue and "queue" in queue else "queued (LocalExecutor)"
    return str(state)


def _fate(was: dict[str, Any], after: dict[str, Any] | None, killed_at: datetime, policy: str) -> str:
    """What became of one task instance that was in flight (or not) when the region died."""
    if was.get("state") not in ("running", "queued", "scheduled"):
        return f"not in flight ({was.get('state')})"
    if after is None:
        return "lost with the region: its run is newer than the last snapshot"
    started = datetime.fromisoformat(after["start_date"]) if after.get("start_date") else None
    if after.get("state") == "success" and started and started > killed_at:
        return f"rerun by the secondary (in_flight={policy}): success"
    if after.get("state") == "failed" and policy == "fail":
        return "failed by the restore (in_flight=fail)"
    return f"in the secondary: {after.get('state')} (in_flight={policy})"
