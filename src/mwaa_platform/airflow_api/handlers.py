"""Lambda entry points for the DAG invokers: configuration from the environment, logic in ``dag_invokers``.

Environment: MWAA_ENVIRONMENT_NAME, AIRFLOW_VERSION (selects /api/v1 or /api/v2 bodies without an extra
GetEnvironment permission), FLOWS (scheduled invoker) or KEY_ROUTES and optional BUCKETS (S3 invoker).
A malformed event is logged with its reason and answered ``rejected`` (retrying cannot fix it); Airflow
or AWS failures raise so that Lambda retries and, finally, the DLQ keeps the event. Logs hold DAG and
run ids only - never conf values, tokens or credentials.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from mwaa_platform import logs
from mwaa_platform.airflow_api import dag_invokers
from mwaa_platform.airflow_client.client import AirflowClient
from mwaa_platform.airflow_client.invoke_rest_api import InvokeRestApiTransport

logs.configure()
log = logging.getLogger("mwaa_platform.invokers")


def _client() -> AirflowClient:
    name = os.environ.get("MWAA_ENVIRONMENT_NAME")
    if not name:
        raise dag_invokers.InvalidConfigError("MWAA_ENVIRONMENT_NAME is not set")
    return AirflowClient(InvokeRestApiTransport(name, airflow_version=os.environ.get("AIRFLOW_VERSION") or None))


def _rejected(kind: str, exc: Exception) -> dict[str, Any]:
    log.warning("rejected %s event: %s", kind, exc)
    return {"status": "rejected", "reason": str(exc)}


def _done(results: list[dict[str, str]], ignored: list[str] | None = None) -> dict[str, Any]:
    for item in results:
        log.info("dag %s run %s: %s", item["dag_id"], item["run_id"], item["outcome"])
    return {"status": "ok", "runs": results, "ignored": ignored or []}


def scheduled(event: Any, context: Any) -> dict[str, Any]:
    flows = dag_invokers.load_flows(os.environ.get("FLOWS"))
    try:
        invocation = dag_invokers.scheduled_invocation(event, flows)
    except dag_invokers.InvalidEventError as exc:
        return _rejected("schedule", exc)
    with _client() as client:
        return _done(dag_invokers.dispatch(client, [invocation]))


def s3(event: Any, context: Any) -> dict[str, Any]:
    routes = dag_invokers.load_routes(os.environ.get("KEY_ROUTES"))
    buckets = json.loads(os.environ.get("BUCKETS") or "[]")
    try:
        runs, ignored = dag_invokers.s3_invocations(event, routes, buckets)
    except dag_invokers.InvalidEventError as exc:
        return _rejected("S3", exc)
    for key in ignored:
        log.info("no route for key %s: ignored", key)
    if not runs:
        return _done([], ignored)
    with _client() as client:
        return _done(dag_invokers.dispatch(client, runs), ignored)
