"""A bounded load test against an Airflow API: fixed request rate, fixed duration, latency percentiles.

Open-loop: requests are started on a fixed schedule (``qps``) whatever the latency, as real users
would, by a bounded thread pool; when every worker is busy the tick is counted as ``dropped`` rather
than queued, so the run never outlives ``duration`` by more than one request timeout. The plot shows
latency over time (and errors) - what the seed used to watch MWAA add web servers under load.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mwaa_platform.airflow_client import errors

MAX_QPS = 50.0
MAX_DURATION = 900.0
MAX_WORKERS = 32


@dataclass(frozen=True)
class Sample:
    offset: float  # seconds since the start of the test, when the request was started
    latency: float  # seconds
    outcome: str  # "ok" or the error class name


@dataclass
class LoadTestResult:
    target: str
    qps: float
    duration: float
    samples: list[Sample] = field(default_factory=list)
    dropped: int = 0
    wall: float = 0.0

    @property
    def ok_latencies(self) -> list[float]:
        return sorted(s.latency for s in self.samples if s.outcome == "ok")

    @property
    def errors(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.samples:
            if s.outcome != "ok":
                counts[s.outcome] = counts.get(s.outcome, 0) + 1
        return counts

    def percentile(self, pct: float) -> float | None:
        """Nearest-rank percentile of successful latencies (seconds), None without successes."""
        lat = self.ok_latencies
        if not lat:
            return None
        rank = max(1, math.ceil(pct / 100 * len(lat)))
        return lat[rank - 1]

    def summary(self) -> dict[str, Any]:
        ms = {f"p{p}": (None if (v := self.percentile(p)) is None else round(v * 1000, 1)) for p in (50, 90, 95, 99)}
        lat = self.ok_latencies
        return {
            "target": self.target, "qps_requested": self.qps, "duration_s": self.duration,
            "wall_s": round(self.wall, 2), "requests": len(self.samples),
            "ok": len(lat), "errors": self.errors, "dropped": self.dropped,
            "achieved_qps": round(len(self.samples) / self.wall, 2) if self.wall else 0.0,
            "latency_ms": {**ms, "max": round(lat[-1] * 1000, 1) if lat else None},
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps({"summary": self.summary(), "samples": [asdict(s) for s in self.samples]},
                                   indent=1))

    def plot(self, path: Path) -> Path:
        """Latency over time as a PNG: successes, a rolling p95, errors on the x axis."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ok = [s for s in self.samples if s.outcome == "ok"]
        bad = [s for s in self.samples if s.outcome != "ok"]
        fig, ax = plt.subplots(figsize=(10, 4.5), dpi=100)
        ax.scatter([s.offset for s in ok], [s.latency * 1000 for s in ok], s=8, alpha=0.6, label="latency (ok)")
        window = max(1, int(self.qps * 5))
        if len(ok) >= window:
            xs, ys = [], []
            for i in range(window, len(ok) + 1):
                chunk = sorted(s.latency for s in ok[i - window:i])
                xs.append(ok[i - 1].offset)
                ys.append(chunk[max(0, math.ceil(0.95 * len(chunk)) - 1)] * 1000)
            ax.plot(xs, ys, color="tab:orange", label="rolling p95 (5 s)")
        if bad:
            ax.scatter([s.offset for s in bad], [0] * len(bad), marker="x", color="tab:red",
                       label=f"errors ({len(bad)})")
        summary = self.summary()
        ax.set_title(f"{self.target}: {self.qps:g} qps for {self.duration:g}s - p50 {summary['latency_ms']['p50']} ms,"
                     f" p95 {summary['latency_ms']['p95']} ms, errors {len(bad)}, dropped {self.dropped}")
        ax.set_xlabel("seconds since start")
        ax.set_ylabel("latency (ms)")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
        plt.close(fig)
        return path


def run(call: Callable[[], Any], qps: float, duration: float, target: str = "request",
        max_workers: int = 8, clock: Callable[[], float] = time.monotonic) -> LoadTestResult:
    """Call ``call`` ``qps`` times per second for ``duration`` seconds (both bounded)."""
    if not 0 < qps <= MAX_QPS:
        raise ValueError(f"qps must be in (0, {MAX_QPS:g}]")
    if not 0 < duration <= MAX_DURATION:
        raise ValueError(f"duration must be in (0, {MAX_DURATION:g}] seconds")
    if not 1 <= max_workers <= MAX_WORKERS:
        raise ValueError(f"max_workers must be in [1, {MAX_WORKERS}]")
    result = LoadTestResult(target, qps, duration)
    lock = threading.Lock()
    in_flight = threading.BoundedSemaphore(max_workers)
    start = clock()

    def one(offset: float) -> None:
        t0 = time.perf_counter()
        outcome = "ok"
        try:
            call()
        except errors.AirflowApiError as exc:
            outcome = type(exc).__name__
        except Exception as exc:
            outcome = type(exc).__name__
        finally:
            in_flight.release()
        sample = Sample(offset, time.perf_counter() - t0, outcome)
        with lock:
            result.samples.append(sample)

    total = int(qps * duration)
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="loadtest") as pool:
        for i in range(total):
            due = start + i / qps
            delay = due - clock()
            if delay > 0:
                time.sleep(delay)
            if not in_flight.acquire(blocking=False):
                result.dropped += 1
                continue
            pool.submit(one, clock() - start)
    result.wall = clock() - start
    result.samples.sort(key=lambda s: s.offset)
    return result


def target_call(client: Any, target: str) -> Callable[[], Any]:
    """A zero-argument request for ``target``: ``dags`` (one page of DAGs), ``health`` or ``version``."""
    if target == "dags":
        return lambda: client.transport.request("GET", "/dags", params={"limit": 1})
    if target == "health":
        path = "/monitor/health" if client.api_version == "v2" else "/health"
        return lambda: client.transport.request("GET", path)
    if target == "version":
        return lambda: client.transport.request("GET", "/version")
    raise ValueError(f"unknown load-test target {target!r}: dags, health or version")
