"""An environment's Airflow as the DR and upgrade steps see it: the project's one REST client
(:mod:`mwaa_platform.airflow_client`) over MWAA InvokeRestApi, answering what the steps branch on.

InvokeRestApi needs no network path to the web server and no login: the caller's IAM permission
(``airflow:InvokeRestApi`` on the environment) is the authorisation, which is what the failover Lambdas have.
The client's typed errors become two answers here: "not there" (``None`` / ``False``) for a missing DAG or run,
and :class:`AirflowUnreachableError` for everything else (the API failed, the web server answered 5xx, the
environment does not exist, the request was refused).

Retries: botocore's standard mode already retries the AWS call (mwaa_platform.aws); the transport adds none of
its own (``RETRIES``): health is judged over several periods and Step Functions retries a failed step, so a
failing environment is reported at once instead of after a backoff inside the Lambda's timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, NoReturn

from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient, DagRun
from mwaa_platform.airflow_client.invoke_rest_api import MAX_PATH, InvokeRestApiTransport
from mwaa_platform.airflow_client.transport import segment

PAGE = 100
RETRIES = 0


class AirflowUnreachableError(Exception):
    """The environment's REST API could not be reached (the API failed or the web server answered 5xx)."""


class AirflowRest:
    def __init__(self, mwaa: Any, environment: str, major: int = 2, retries: int = RETRIES) -> None:
        """``mwaa``: a boto3 MWAA client in the environment's region; ``major``: its Airflow major version."""
        self.environment = environment
        self.major = major
        transport = InvokeRestApiTransport(environment, airflow_version=str(min(max(major, 2), 3)),
                                           retries=retries, mwaa_client=mwaa)
        self.client = AirflowClient(transport)

    def _unreachable(self, exc: Exception) -> NoReturn:
        raise AirflowUnreachableError(f"{self.environment}: {exc}") from None

    def ok(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        """The decoded body of a 2xx answer; AirflowUnreachableError for any other outcome."""
        try:
            return self.client.transport.request(method, path, params=query, body=body)
        except errors.AirflowApiError as exc:
            self._unreachable(exc)

    def _found(self, path: str) -> dict[str, Any] | None:
        """GET ``path``; None when Airflow answers 404."""
        try:
            return dict(self.ok_or_missing("GET", path) or {})
        except LookupError:
            return None

    def ok_or_missing(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        """Like :meth:`ok`, but LookupError when Airflow answers 404 (the DAG or run does not exist)."""
        try:
            return self.client.transport.request(method, path, params=query, body=body)
        except errors.EnvironmentNotFoundError as exc:
            self._unreachable(exc)
        except errors.NotFoundError:
            raise LookupError(path) from None
        except errors.AirflowApiError as exc:
            self._unreachable(exc)

    # -- DAGs ----------------------------------------------------------------------------------------------
    def dags(self, paused: bool | None = None) -> Iterator[dict[str, Any]]:
        try:
            yield from self.client.list_dags(page_size=PAGE, paused=paused)
        except errors.AirflowApiError as exc:
            self._unreachable(exc)

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        return self._found(f"/dags/{segment(dag_id)}")

    def set_paused(self, dag_id: str, paused: bool) -> bool:
        """Pause or unpause one DAG; False if the DAG does not exist there."""
        try:
            self.ok_or_missing("PATCH", f"/dags/{segment(dag_id)}", {"update_mask": "is_paused"},
                               {"is_paused": paused})
        except LookupError:
            return False
        return True

    # -- DAG runs ------------------------------------------------------------------------------------------
    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any], logical_date: str | None = None) -> DagRun:
        """Start a run with a fixed id; the existing run if that id was already triggered (idempotent).

        Airflow 3 takes an explicit ``logical_date`` (None: a run without one, which a downgrade to 2.x moves aside);
        Airflow 2 dates the run itself.
        """
        try:
            return self.client.trigger(dag_id, conf, logical_date=logical_date if self.major >= 3 else None,
                                       run_id=run_id)
        except errors.ConflictError:
            existing = self.run(dag_id, run_id)
            if existing is None:
                raise AirflowUnreachableError(f"{self.environment}: run {run_id} conflicts but cannot be read") \
                    from None
            return DagRun.from_api(existing)
        except errors.AirflowApiError as exc:
            self._unreachable(exc)

    def _latest_runs(self, dag_id: str) -> list[dict[str, Any]]:
        order = "-logical_date" if self.major >= 3 else "-execution_date"
        page = self.ok("GET", f"/dags/{segment(dag_id)}/dagRuns", {"limit": PAGE, "order_by": order}) or {}
        return list(page.get("dag_runs") or [])

    def run(self, dag_id: str, run_id: str) -> dict[str, Any] | None:
        path = f"/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}"
        if len(path) > MAX_PATH:  # InvokeRestApi's limit: find the run among the DAG's latest runs instead
            return next((r for r in self._latest_runs(dag_id) if r.get("dag_run_id") == run_id), None)
        return self._found(path)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The task instances of one run (every try's current state), [] when the run does not exist."""
        path = f"/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}/taskInstances"
        try:
            page = self.ok_or_missing("GET", path, {"limit": PAGE}) or {}
        except LookupError:
            return []
        return list(page.get("task_instances") or [])

    def unfinished_runs(self, dag_id: str) -> list[dict[str, Any]]:
        """Runs of dag_id still queued or running, among its latest PAGE runs (filtered here: the server-side
        state filter differs between API versions)."""
        return [r for r in self._latest_runs(dag_id) if r.get("state") in ("queued", "running")]

    def successful_runs_since(self, dag_id: str, since_iso: str) -> int:
        """Runs of dag_id that succeeded at or after since_iso, counted here among the latest PAGE runs (the
        server-side state/end_date filters are not applied the same way by every Airflow version)."""
        since = _instant(since_iso)
        return sum(1 for r in self._latest_runs(dag_id)
                   if r.get("state") == "success" and r.get("end_date") and _instant(r["end_date"]) >= since)


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def major_version(airflow_version: str | None) -> int:
    try:
        return int(str(airflow_version or "2").split(".")[0])
    except ValueError:
        return 2
