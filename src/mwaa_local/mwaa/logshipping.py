"""CloudWatch Logs for the local environments, as MWAA's LoggingConfiguration asks (emulation only).

MWAA sends each enabled module's logs to ``airflow-<environment>-<Module>`` at the module's ``LogLevel``. Here:

- **TaskLogs** go through Airflow itself, as on MWAA: :func:`airflow_environ` turns on Airflow's remote logging
  to ``cloudwatch://<TaskLogs group ARN>`` (the amazon provider's CloudWatch task handler, which honours the
  emulator's ``AWS_ENDPOINT_URL``), with :mod:`mwaa_local.mwaa.airflow_logging` applying the level.
  Streams are Airflow's ``log_filename_template`` with ``:`` replaced by ``_`` (the provider does that):
  ``dag_id=<d>/run_id=<r>/task_id=<t>/attempt=<n>.log``; the REST API / UI read them back from CloudWatch.
- **Scheduler, DAGProcessing, WebServer** (and Worker, which has no process locally: LocalExecutor) are shipped
  by :class:`LogShipper`, a thread of the service that tails each component's log file under the
  environment's ``logs/`` folder, reads each line's level (a line without one, e.g. a traceback line, has the
  level of the line before it) and puts the lines at or above the module's level into the module's group.
  Offsets are kept in ``<environment>/logship.json``, so a restarted service does not ship a line twice.

Log groups of enabled modules are created when missing (the Terraform module normally creates them).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_local.mwaa.celery_workers import WORKER_PREFIX, worker_index
from mwaa_local.mwaa.identity import client
from mwaa_local.mwaa.store import Record, key_of

log = logging.getLogger(__name__)
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_ALIASES = {"WARN": "WARNING", "EXCEPTION": "ERROR", "FATAL": "CRITICAL"}
LOGGING_CONFIG_CLASS = "mwaa_local.mwaa.airflow_logging.LOGGING_CONFIG"
# CLI component name -> LoggingConfiguration member
COMPONENTS = {
    "scheduler": "SchedulerLogs", "dag-processing": "DagProcessingLogs", "dag-processor": "DagProcessingLogs",
    "task": "TaskLogs", "webserver": "WebserverLogs", "api-server": "WebserverLogs", "worker": "WorkerLogs",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LEVEL_PATTERNS = (
    re.compile(r"^\[[^\]]*\]\s+\{[^}]*\}\s+(?P<level>[A-Z]+)\s+-"),  # Airflow 2: [ts] {file.py:12} INFO - msg
    re.compile(r"^\S+\s+\[(?P<level>[a-z]+)\s*\]"),  # Airflow 3 (structlog console): ts [info     ] msg
    re.compile(r"^\[[^\]]*\]\s+\[\d+\]\s+\[(?P<level>[A-Z]+)\]"),  # gunicorn: [ts] [pid] [INFO] msg
    re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):"),  # uvicorn, logging.basicConfig
    re.compile(r'^\{.*"level":\s*"(?P<level>[A-Za-z]+)"'),  # JSON lines (Airflow 3 per-file processor logs)
)
MAX_READ_BYTES = 1024 * 1024
MAX_EVENT_BYTES = 256 * 1024 - 64
MAX_BATCH_EVENTS = 1000
MAX_BATCH_BYTES = 900 * 1024


def line_level(line: str) -> int | None:
    """The level a log line states (Airflow 2/3, gunicorn, uvicorn, JSON formats), None if it states none."""
    for pattern in _LEVEL_PATTERNS:
        match = pattern.match(line)
        if match:
            name = match["level"].upper()
            name = _ALIASES.get(name, name)
            if name in LEVELS:
                return LEVELS[name]
    return None


def group_name(arn: str) -> str:
    return arn.split(":log-group:", 1)[-1].removesuffix(":*")


def enabled_modules(record: Record) -> dict[str, dict[str, Any]]:
    """LoggingConfiguration member -> its entry, for the enabled modules that have a log group."""
    config = record.get("LoggingConfiguration") or {}
    return {member: spec for member, spec in config.items()
            if spec.get("Enabled") and spec.get("CloudWatchLogGroupArn")}


def airflow_environ(record: Record) -> dict[str, str]:
    """Airflow variables for the logging configuration: the processes log at the most verbose enabled level
    (never less than INFO locally, the files are for debugging too); TaskLogs -> remote logging to CloudWatch."""
    modules = enabled_modules(record)
    verbose = min([LEVELS["INFO"], *(LEVELS.get(s.get("LogLevel", "INFO"), 20) for s in modules.values())])
    env = {"AIRFLOW__LOGGING__LOGGING_LEVEL": logging.getLevelName(verbose)}
    task = modules.get("TaskLogs")
    if task:
        env.update({
            "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
            "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"cloudwatch://{task['CloudWatchLogGroupArn']}",
            "AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS": LOGGING_CONFIG_CLASS,
            "MWAA_LOCAL_TASK_LOG_LEVEL": task.get("LogLevel", "INFO"),
        })
    return env


def _logs_client(record: Record) -> Any:
    local = record["_local"]
    return client("logs", local["access_key_id"], local["region"])


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


def ensure_groups(record: Record, logs: Any | None = None) -> list[str]:
    """Create the log groups of the enabled modules that do not exist yet; returns every enabled group."""
    logs = logs or _logs_client(record)
    names = [group_name(spec["CloudWatchLogGroupArn"]) for spec in enabled_modules(record).values()]
    for name in names:
        try:
            logs.create_log_group(logGroupName=name)
        except ClientError as exc:
            if _error_code(exc) != "ResourceAlreadyExistsException":
                raise
    return names


def sources(rt: Any) -> dict[str, list[tuple[str, Path]]]:
    """LoggingConfiguration member -> (stream name, file) of what the shipper tails for it."""
    # the per-DAG-file processor logs: Airflow's defaults, [scheduler] child_process_log_directory (2.x) and
    # [logging] dag_processor_child_process_log_directory (3.x), under AIRFLOW_HOME/logs
    processor_logs = rt.home / "logs"
    processing: list[tuple[str, Path]] = []
    if rt.major >= 3:
        processing.append(("dag-processor_console.log", rt.log_file("dag-processor")))
    per_file = processor_logs / ("dag_processor" if rt.major >= 3 else "scheduler")
    if per_file.is_dir():
        for path in sorted(per_file.rglob("*.log")):
            rel = path.relative_to(processor_logs)
            if "latest" not in rel.parts and not path.is_symlink():
                processing.append((rel.as_posix(), path))
    return {
        "SchedulerLogs": [("scheduler_console.log", rt.log_file("scheduler")),
                          ("triggerer_console.log", rt.log_file("triggerer"))],
        "DagProcessingLogs": processing,
        "WebserverLogs": [(f"{rt.web_component}_console.log", rt.log_file(rt.web_component))],
        # Celery environments: one stream per worker process (worker-1, worker-2, ...); LocalExecutor: none
        "WorkerLogs": [(f"{path.stem}_console.log", path) for path in sorted(rt.logs.glob(f"{WORKER_PREFIX}*.log"))
                       if worker_index(path.stem) is not None],
    }


@dataclass
class _Tail:
    inode: int = 0
    offset: int = 0
    level: int = LEVELS["INFO"]


def read_new_lines(path: Path, tail: _Tail) -> list[tuple[int, str]]:
    """(level, line) of the complete lines appended since ``tail`` (advanced in place)."""
    try:
        stat = path.stat()
    except OSError:
        return []
    if stat.st_ino != tail.inode or stat.st_size < tail.offset:  # a new or truncated file
        tail.inode, tail.offset, tail.level = stat.st_ino, 0, LEVELS["INFO"]
    if stat.st_size == tail.offset:
        return []
    with open(path, "rb") as handle:
        handle.seek(tail.offset)
        chunk = handle.read(MAX_READ_BYTES)
    end = chunk.rfind(b"\n")
    if end < 0:
        return []
    tail.offset += end + 1
    lines = []
    for raw in chunk[:end].decode(errors="replace").split("\n"):
        line = _ANSI.sub("", raw).rstrip("\r")
        if not line.strip():
            continue
        level = line_level(line)
        if level is not None:
            tail.level = level
        lines.append((tail.level, line))
    return lines


def _batches(messages: list[str], now_ms: int) -> list[list[dict[str, Any]]]:
    batches: list[list[dict[str, Any]]] = [[]]
    size = 0
    for message in messages:
        text = message[:MAX_EVENT_BYTES]
        event = {"timestamp": now_ms, "message": text}
        cost = len(text.encode()) + 26
        if len(batches[-1]) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(event)
        size += cost
    return [b for b in batches if b]


class LogShipper:
    """Tails the component logs of every Airflow environment into the emulator's CloudWatch Logs."""

    def __init__(self, controller: Any, period: float = 2.0) -> None:
        self.controller = controller
        self.period = period
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._streams: set[tuple[str, str, str]] = set()  # (environment root, group, stream) created

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="mwaa-logs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        self.ship_all()  # what was written until now

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.ship_all()

    def ship_all(self) -> None:
        for record in self.controller.store.all():
            if not self.controller.runs_airflow(record) or record["Status"] in ("DELETING", "PENDING"):
                continue
            try:
                self.ship(record)
            except (ClientError, BotoCoreError, OSError) as exc:
                log.warning("%s: log shipping failed: %s", key_of(record), exc)
            except Exception:
                log.exception("%s: log shipping failed", key_of(record))

    def ship(self, record: Record) -> int:
        """Ship what the enabled modules' files gained since the last call; returns the events put."""
        rt = self.controller.runtime(record)
        modules = {m: s for m, s in enabled_modules(record).items() if m != "TaskLogs"}
        if not modules or not rt.logs.is_dir():
            return 0
        state_path = rt.root / "logship.json"
        state = self._load(state_path)
        logs = _logs_client(record)
        shipped = 0
        files = sources(rt)
        for member, spec in modules.items():
            group = group_name(spec["CloudWatchLogGroupArn"])
            threshold = LEVELS.get(spec.get("LogLevel", "INFO"), LEVELS["INFO"])
            for stream, path in files.get(member, []):
                tail = state.setdefault(str(path), _Tail())
                before = (tail.inode, tail.offset, tail.level)
                messages = [line for level, line in read_new_lines(path, tail) if level >= threshold]
                if messages:
                    try:
                        self._put(logs, record, rt.root, group, stream, messages)
                    except Exception:
                        tail.inode, tail.offset, tail.level = before  # retried next period
                        raise
                    shipped += len(messages)
                self._save(state_path, state)
        return shipped

    def _put(self, logs: Any, record: Record, root: Path, group: str, stream: str, messages: list[str]) -> None:
        if (str(root), group, stream) not in self._streams:
            ensure_groups(record, logs)
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except ClientError as exc:
                if _error_code(exc) != "ResourceAlreadyExistsException":
                    raise
            self._streams.add((str(root), group, stream))
        for batch in _batches(messages, int(time.time() * 1000)):
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)

    @staticmethod
    def _load(path: Path) -> dict[str, _Tail]:
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return {name: _Tail(**values) for name, values in raw.items()}

    @staticmethod
    def _save(path: Path, state: dict[str, _Tail]) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: vars(v) for k, v in state.items()}, sort_keys=True))
        os.replace(tmp, path)


def read_events(record: Record, component: str, start_ms: int | None = None, limit: int = 5000) -> dict[str, Any]:
    """Events of one module's log group, oldest first (for ``local mwaa logs``): ``{"group", "events"}``."""
    member = COMPONENTS.get(component)
    if member is None:
        raise ValueError(f"unknown component {component!r}: use one of {', '.join(sorted(COMPONENTS))}")
    spec = enabled_modules(record).get(member)
    if spec is None:
        raise LookupError(f"{member} are not enabled in {record['Name']}'s LoggingConfiguration: nothing is shipped")
    group = group_name(spec["CloudWatchLogGroupArn"])
    params: dict[str, Any] = {"logGroupName": group}
    if start_ms is not None:
        params["startTime"] = start_ms
    events: list[dict[str, Any]] = []
    logs = _logs_client(record)
    try:
        for page in logs.get_paginator("filter_log_events").paginate(**params):
            for event in page.get("events", []):
                events.append({"stream": event["logStreamName"], "timestamp": event["timestamp"],
                               "id": event.get("eventId"), "message": event["message"]})
            if len(events) >= limit:
                break
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
    events.sort(key=lambda e: e["timestamp"])
    return {"group": group, "events": events[-limit:]}
