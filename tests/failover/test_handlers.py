"""Lambda handlers reject malformed events with a clear error and no side effects."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from dr_helpers import Platform

from mwaa_platform.failover import handlers
from mwaa_platform.failover.errors import ConfigError


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("not an object", "must be an object"),
        ({"input": {}, "results": {}}, "execution"),
        ({"input": [], "results": {}, "execution": "x"}, "must be objects"),
        ({"input": {"operation": "failback"}, "results": {}, "execution": "x"}, "failback is the runbook"),
    ],
)
def test_malformed_events_are_rejected(event: Any, message: str, platform: Callable[..., Platform],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    p = platform()
    monkeypatch.setenv("MWAA_PLATFORM_FAILOVER_CONFIG", json.dumps(p.config.to_dict()))
    with pytest.raises(ConfigError, match=message):
        handlers.acquire_lease(event, None)
    assert p.state().get("operation") is None


def test_handler_runs_the_step(platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch) -> None:
    p = platform()
    p.heartbeats()
    monkeypatch.setenv("MWAA_PLATFORM_FAILOVER_CONFIG", json.dumps(p.config.to_dict()))
    result = handlers.evaluate_health({"input": {}, "results": {}, "execution": "arn:x"}, None)
    assert result["decision"] == "healthy", result["summary"]
    stored = handlers.store_config({"input": {}, "results": {}, "execution": "arn:x"}, None)
    assert stored == {"stored": True, "changed": True, "key": p.config.stored_config_key}
    again = handlers.store_config({"input": {}, "results": {}, "execution": "arn:x"}, None)
    assert again["changed"] is False  # unchanged configuration: no rewrite


@pytest.mark.parametrize("error", ["States.TaskFailed", ["States.Timeout"], 3, True],
                         ids=["str", "list", "int", "bool"])
def test_on_failure_rejects_an_error_that_is_not_an_object(error: Any, platform: Callable[..., Platform],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Review finding: ``error`` that is not the Catch's object raised AttributeError after the lease was read."""
    p = platform()
    monkeypatch.setenv("MWAA_PLATFORM_FAILOVER_CONFIG", json.dumps(p.config.to_dict()))
    handlers.acquire_lease({"input": {}, "results": {}, "execution": "arn:exec:1"}, None)
    held = p.state()["operation"]
    with pytest.raises(ConfigError, match=r"event\.error must be"):
        handlers.on_failure({"input": {}, "results": {}, "execution": "arn:exec:1", "error": error}, None)
    assert p.state()["operation"] == held  # nothing recorded, the lease untouched: the input was rejected
