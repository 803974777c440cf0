"""Airflow component processes, recorded by pid *and start time* so that we stop exactly what we started.

:mod:`mwaa_local.process` gives the identity, the pair (pid, start time from /proc/<pid>/stat),
which a recycled pid cannot match and which survives Airflow and gunicorn rewriting their process titles.
Stopping here signals the component's process group and every descendant (Airflow's DAG processor
manager runs in a session of its own), first SIGTERM, then SIGKILL for whatever is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from mwaa_local.process import exited, reap, start_time


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, start time) of ``pid`` and everything below it."""
    found: list[tuple[int, int]] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        started = start_time(current)
        if started is None:
            continue
        found.append((current, started))
        frontier += _children(current)
    return found


def spawn(cmd: list[str], pid_file: Path, log_file: Path, env: dict[str, str], cwd: Path) -> int:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True)
    pid_file.write_text(json.dumps({"pid": proc.pid, "start_time": start_time(proc.pid), "cmdline": cmd}))
    return proc.pid


def running(pid_file: Path) -> int | None:
    """The recorded pid if that very process still lives (a stale file is removed)."""
    try:
        data = json.loads(pid_file.read_text())
        pid, started = int(data["pid"]), data.get("start_time")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    now = start_time(pid)
    if now is not None and started is not None and now == started and _reapable(pid):
        return pid
    with contextlib.suppress(OSError):
        pid_file.unlink()
    return None


def _reapable(pid: int) -> bool:
    """False for a process that has exited (a zombie is reaped here if it is our child)."""
    if exited(pid):
        reap(pid)
        return False
    return True


def _alive(members: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(pid, started) for pid, started in members if start_time(pid) == started and _reapable(pid)]


def _signal(members: list[tuple[int, int]], sig: int) -> None:
    for pid, _ in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def stop(pid_file: Path, timeout: float = 20.0, sig: int = signal.SIGTERM, *, main_only: bool = False) -> bool:
    """Stop the recorded process, its process group and its descendants. True if something was running.

    ``main_only``: signal only the recorded process and wait ``timeout`` for the whole tree to leave (a Celery
    worker's warm shutdown lets its running tasks finish); whatever is left then gets SIGKILL.
    """
    pid = running(pid_file)
    if pid is None:
        return False
    members = descendants(pid)
    if main_only:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        _signal(members, sig)
    deadline = time.monotonic() + timeout
    while _alive(members) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(members)
    if left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        _signal(left, signal.SIGKILL)
        end = time.monotonic() + 5
        while _alive(left) and time.monotonic() < end:
            time.sleep(0.05)
    with contextlib.suppress(OSError):
        pid_file.unlink()
    return True


def kill(pid_file: Path) -> bool:
    """SIGKILL at once: a crash, not a shutdown."""
    return stop(pid_file, timeout=0, sig=signal.SIGKILL)
