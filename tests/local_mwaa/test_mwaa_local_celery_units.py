"""The Celery pieces of the local MWAA without Airflow: who runs Celery, the worker count rule, the scaler's
cool-down (a fake environment: its demand and workers are plain values)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from mwaa_local.mwaa import autoscale, celery_workers
from mwaa_local.mwaa.store import Key


def record(env_class: str = "mw1.small", version: str = "2.11.0", low: int = 1, high: int = 3) -> dict[str, Any]:
    return {"Name": "e", "EnvironmentClass": env_class, "AirflowVersion": version, "MinWorkers": low,
            "MaxWorkers": high, "CeleryExecutorQueue": "arn:aws:sqs:us-east-1:123456789012:airflow-celery-x"}


def test_celery_for_small_and_up_on_celery_versions_only() -> None:
    assert celery_workers.uses_celery(record("mw1.small"))
    assert celery_workers.uses_celery(record("mw1.2xlarge"))
    assert not celery_workers.uses_celery(record("mw1.micro"))
    assert not celery_workers.uses_celery(record("mw1.small", "2.10.3"))
    assert celery_workers.queue_name(record()) == "airflow-celery-x"
    assert [celery_workers.tasks_per_worker(record(c)) for c in
            ("mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")] == [5, 10, 20, 40, 80]


@pytest.mark.parametrize(("demand", "want"), [(0, 1), (5, 1), (6, 2), (10, 2), (11, 3), (99, 3)])
def test_workers_needed_is_clamped_between_min_and_max(demand: int, want: int) -> None:
    assert celery_workers.needed(demand, 5, 1, 3) == want


@dataclass
class FakeEnv:
    record: dict[str, Any] = field(default_factory=record)
    running: list[str] = field(default_factory=lambda: ["worker-1"])
    started: list[str] = field(default_factory=list)
    key: Key = field(default_factory=lambda: Key("123456789012", "us-east-1", "e"))

    def start(self, name: str) -> None:
        self.running.append(name)
        self.started.append(name)


def test_scaler_scales_out_at_once_and_in_after_the_cooldown(monkeypatch: pytest.MonkeyPatch) -> None:
    env, load, stopped = FakeEnv(), {"tasks": 12}, []
    monkeypatch.setattr(autoscale, "demand", lambda rt: load["tasks"])
    monkeypatch.setattr(celery_workers, "workers", lambda rt: sorted(rt.running))

    def stop(rt: FakeEnv, name: str, strategy: str, timeout: float) -> None:
        stopped.append((name, strategy))
        rt.running.remove(name)

    monkeypatch.setattr(celery_workers, "stop_worker", stop)
    scaler = autoscale.WorkerScaler(cooldown=30, graceful_timeout=5)
    scaler.check(env, now=0)
    assert env.started == ["worker-2", "worker-3"]  # 12 tasks / 5 per worker -> 3 (MaxWorkers 3)
    load["tasks"] = 2
    scaler.check(env, now=10)  # low use starts
    scaler.check(env, now=30)  # 20 s of low use: below the cool-down
    assert stopped == []
    scaler.check(env, now=41)
    for thread in [t for t in threading.enumerate() if t.name.startswith("mwaa-scale-in")]:
        thread.join(5)
    assert sorted(stopped) == [("worker-2", "GRACEFUL"), ("worker-3", "GRACEFUL")]
    env.running.remove("worker-1")  # a worker died: replaced at the next check (MinWorkers 1)
    scaler.check(env, now=50)
    assert env.running == ["worker-1"]
