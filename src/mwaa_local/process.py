"""Background processes of the embedded default, recorded so that we stop only what we started.

A pid file holds the pid, its start time (field 22 of /proc/<pid>/stat), the start command and the port.
``stop`` signals the pid only if the live process still has that start time, so a recycled pid or somebody
else's server is never touched. (The command line alone is not an identity: Airflow and gunicorn rewrite
their process titles.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Record:
    pid: int
    cmdline: list[str]
    port: int | None
    started: int | None = None

    def alive(self) -> bool:
        """Still the process we started, and running (a zombie has exited: only its parent's wait is left)."""
        if self.started is None:
            return _cmdline(self.pid) == self.cmdline and not exited(self.pid)
        return start_time(self.pid) == self.started and not exited(self.pid)


def exited(pid: int) -> bool:
    """True if ``pid`` is gone or a zombie (it has exited; only its parent's wait may be left)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    state = stat[stat.rfind(")") + 2:].split()[:1]
    return not state or state[0] in ("Z", "X")


def start_time(pid: int) -> int | None:
    """Clock ticks after boot at which ``pid`` started; None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = raw.split(b"\0")
    if parts and parts[-1] == b"":
        parts = parts[:-1]
    return [p.decode(errors="replace") for p in parts]


def read(pid_file: Path) -> Record | None:
    try:
        data = json.loads(pid_file.read_text())
        return Record(int(data["pid"]), list(data["cmdline"]), data.get("port"), data.get("started"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(pid_file: Path) -> Record | None:
    """The recorded process if it is still the one we started, else None (stale files are removed)."""
    rec = read(pid_file)
    if rec is None:
        return None
    if rec.alive():
        return rec
    with contextlib.suppress(OSError):
        pid_file.unlink()
    return None


def spawn(cmd: list[str], pid_file: Path, log_file: Path, env: dict[str, str] | None = None,
          port: int | None = None, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in its own session (so a Ctrl-C in the caller's terminal does not reach it)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
    # /proc/<pid>/cmdline is what stop() compares against; read it back once exec has happened.
    cmdline = cmd
    for _ in range(50):
        seen = _cmdline(proc.pid)
        if seen:
            cmdline = seen
            break
        time.sleep(0.02)
    pid_file.write_text(json.dumps({"pid": proc.pid, "cmdline": cmdline, "port": port,
                                    "started": start_time(proc.pid)}))
    return proc


def reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our child (so it does not linger as a zombie); else do nothing."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(rec: Record, timeout: float) -> bool:
    """Wait until ``rec`` has exited (reaping it if it is our child); True if it did within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        reap(rec.pid)
        if not rec.alive():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def stop(pid_file: Path, timeout: float = 15.0) -> bool:
    """Stop the recorded process group if it is still ours: SIGTERM, then SIGKILL after ``timeout`` seconds.

    Returns True if something was stopped. When it returns, the process has exited and, if it is our child, been
    reaped: a caller may check at once that it is gone.
    """
    rec = running(pid_file)
    if rec is None:
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(rec.pid, signal.SIGTERM)
    if not _wait_gone(rec, timeout):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(rec.pid, signal.SIGKILL)
        if not _wait_gone(rec, 10.0):
            raise RuntimeError(f"process {rec.pid} ({' '.join(rec.cmdline)[:80]}) survived SIGKILL; pid file kept: "
                               f"{pid_file}")
    # An exited process that is not our child may stay a zombie until its parent waits; it runs nothing.
    with contextlib.suppress(OSError):
        pid_file.unlink()
    return True
