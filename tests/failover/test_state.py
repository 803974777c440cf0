"""The failover state: conditional writes make the lease exclusive, even for concurrent contenders."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from dr_helpers import Platform

from mwaa_platform.failover import steps
from mwaa_platform.failover.errors import LeaseLostError
from mwaa_platform.failover.runner import Runner
from mwaa_platform.failover.state import StateConflictError


def _acquire(p: Platform, execution: str, results: dict[str, Any], out: dict[str, Any],
             barrier: threading.Barrier) -> None:
    ctx = p.context(execution)
    barrier.wait(timeout=30)
    out[execution] = Runner(ctx).run("acquire_lease", {}, results).result


def test_concurrent_contenders_get_one_lease(platform: Callable[..., Platform]) -> None:
    p = platform()
    contenders = [f"arn:aws:states:us-west-2:123456789012:execution:m:x{i}" for i in range(6)]
    out: dict[str, Any] = {}
    barrier = threading.Barrier(len(contenders))
    evidence = {"evaluate_health": {"decision": "unhealthy"}}
    threads = [threading.Thread(target=_acquire, args=(p, c, evidence, out, barrier)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [c for c, r in out.items() if r.get("acquired")]
    assert len(out) == len(contenders)
    assert len(winners) == 1, out
    losers = [r["reason"] for c, r in out.items() if c not in winners]
    assert all("lease held by" in reason for reason in losers), losers
    op = p.state()["operation"]
    assert op["holder"] == winners[0]
    assert op["steps"]["evaluate_health"]["result"] == {"decision": "unhealthy"}
    assert p.operations() == 1


def test_a_step_needs_the_lease_and_the_steps_before_it(platform: Callable[..., Platform]) -> None:
    p = platform()
    runner = Runner(p.context("exec-a"))
    with pytest.raises(steps.RefusedError, match="starts with acquire_lease"):
        runner.run("fence_primary")
    assert runner.run("acquire_lease").result["acquired"]
    with pytest.raises(steps.RefusedError, match="needs fence_primary done first"):
        runner.run("create_environment")
    with pytest.raises(LeaseLostError):
        Runner(p.context("exec-b")).run("fence_primary")
    assert p.fake.get("us-east-1", p.config.primary_environment).pause_calls == []  # nothing ran


def test_a_lost_conditional_write_is_decided_again(platform: Callable[..., Platform]) -> None:
    p = platform()
    store = p.context().store()
    calls = []

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        calls.append(doc.get("marker"))
        if len(calls) == 1:  # somebody else writes between our read and our write
            store.mutate(lambda d: {**d, "marker": "theirs"})
        return {**doc, "mine": True}

    final = store.mutate(change)
    assert calls == [None, "theirs"]  # re-read and re-decided on the fresh state
    assert final["marker"] == "theirs" and final["mine"] is True


def test_endless_conflicts_give_up_with_a_clear_error(platform: Callable[..., Platform]) -> None:
    p = platform()
    store = p.context().store()
    counter = {"n": 0}

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        counter["n"] += 1
        store.mutate(lambda d: {**d, "n": counter["n"]})
        return {**doc, "never": True}

    with pytest.raises(StateConflictError, match="another execution is active"):
        store.mutate(change)
    assert "never" not in store.read().doc
