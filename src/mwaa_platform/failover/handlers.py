"""Lambda handlers: one per Task state of the failover state machine, each a thin wrapper over the runner.

Event (built by the state machine): {"input": {...execution input...}, "results": {step: result},
"execution": "$$.Execution.Id", "task_token": "$$.Task.Token" (callback task only), "error": {...} (failure
path only)}. The handler returns the step's result, which the state machine stores at $.results.<step>.
The configuration comes from MWAA_PLATFORM_FAILOVER_CONFIG. Task tokens are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from mwaa_platform import logs
from mwaa_platform.failover.config import FailoverConfig
from mwaa_platform.failover.context import Context
from mwaa_platform.failover.errors import ConfigError
from mwaa_platform.failover.runner import Runner, record_failure
from mwaa_platform.failover.steps import FAILOVER_STEPS, STORE_CONFIG

logs.configure()
log = logging.getLogger("mwaa_platform.failover")

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _parse(event: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    if not isinstance(event, dict):
        raise ConfigError("the event must be an object built by the failover state machine")
    inp = event.get("input")
    results = event.get("results")
    inp = {} if inp is None else inp
    results = {} if results is None else results
    execution = event.get("execution")
    if not isinstance(inp, dict) or not isinstance(results, dict):
        raise ConfigError("event.input and event.results must be objects")
    if not isinstance(execution, str) or not execution:
        raise ConfigError("event.execution (the Step Functions execution id) is required: it holds the lease")
    if inp.get("operation", "failover") != "failover":
        raise ConfigError("the state machine runs failovers only; failback is the runbook's "
                          "(`mwaa-platform failover failback`)")
    return inp, results, execution


def _make(name: str) -> Handler:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        inp, results, execution = _parse(event)
        ctx = Context(FailoverConfig.from_environment(), execution_id=execution,
                      task_token=event.get("task_token") or None)
        outcome = Runner(ctx, "failover").run(name, inp, results)
        log.info("step %s: %s", name, outcome.status)
        return outcome.result

    handler.__name__ = name
    handler.__doc__ = f"Lambda handler for the {name} step."
    return handler


def on_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Catch target of every task: record the failure, release the lease, alert."""
    _inp, _results, execution = _parse(event)
    error = event.get("error")
    error = {} if error is None else error
    if not isinstance(error, dict):
        raise ConfigError("event.error must be the Catch's object {Error, Cause}")
    ctx = Context(FailoverConfig.from_environment(), execution_id=execution)
    outcome = record_failure(ctx, "failover", str(error.get("Error") or "Unknown"), str(error.get("Cause") or ""))
    log.info("failure recorded: %s", {k: outcome[k] for k in ("operation", "failed_step", "alerted")})
    return outcome


evaluate_health = _make("evaluate_health")
store_config = _make("store_config")
acquire_lease = _make("acquire_lease")
fence_primary = _make("fence_primary")
create_environment = _make("create_environment")
wait_available = _make("wait_available")
start_restore = _make("start_restore")
unpause = _make("unpause")
verify = _make("verify")
notify = _make("notify")
release = _make("release")

# Every Task state of the state machine has a handler of the same name here (tested).
HANDLERS: dict[str, Handler] = {s.name: globals()[s.name] for s in [*FAILOVER_STEPS, STORE_CONFIG]}
HANDLERS["on_failure"] = on_failure
