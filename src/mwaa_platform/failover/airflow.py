"""An environment's Airflow REST API through MWAA InvokeRestApi (v1 on Airflow 2, v2 on Airflow 3).

InvokeRestApi needs no network path to the web server and no login: the caller's IAM permission
(``airflow:InvokeRestApi`` on the environment) is the authorisation, which is what the failover Lambdas have.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

PAGE = 100
MAX_PATH = 64  # InvokeRestApi refuses longer paths (as MWAA does)


class AirflowUnreachableError(Exception):
    """The environment's REST API could not be reached (the API failed or the web server answered 5xx)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


@dataclass
class AirflowRest:
    mwaa: Any                 # boto3 MWAA client in the environment's region
    environment: str
    major: int = 2

    def call(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Answer:
        if len(path) > MAX_PATH:
            raise AirflowUnreachableError(f"{self.environment}: {method} {path}: InvokeRestApi paths are limited to "
                                          f"{MAX_PATH} characters (shorten the DAG id)")
        params: dict[str, Any] = {"Name": self.environment, "Method": method, "Path": path}
        if query:
            params["QueryParameters"] = query
        if body is not None:
            params["Body"] = body
        try:
            got = self.mwaa.invoke_rest_api(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            response: dict[str, Any] = dict(exc.response)
            status = response.get("RestApiStatusCode") or response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if error.get("Code") == "RestApiClientException":
                return Answer(int(status), response.get("RestApiResponse") or error.get("Message"))
            raise AirflowUnreachableError(f"{self.environment}: {method} {path}: {error.get('Code')}: "
                                     f"{error.get('Message')}") from None
        except BotoCoreError as exc:
            raise AirflowUnreachableError(f"{self.environment}: {method} {path}: {exc}") from None
        return Answer(int(got.get("RestApiStatusCode", 200)), got.get("RestApiResponse"))

    def ok(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        answer = self.call(method, path, query, body)
        if answer.status >= 400:
            raise AirflowUnreachableError(f"{self.environment}: {method} {path} answered {answer.status}: "
                                     f"{str(answer.body)[:300]}")
        return answer.body

    # -- DAGs ----------------------------------------------------------------------------------------------
    def dags(self, paused: bool | None = None) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            query: dict[str, Any] = {"limit": PAGE, "offset": offset}
            if paused is not None:
                query["paused"] = paused
            page = self.ok("GET", "/dags", query) or {}
            items = page.get("dags") or []
            yield from items
            offset += len(items)
            if not items or offset >= int(page.get("total_entries") or 0):
                return

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        answer = self.call("GET", f"/dags/{quote(dag_id, safe='')}")
        if answer.status == 404:
            return None
        if answer.status >= 400:
            raise AirflowUnreachableError(f"{self.environment}: GET /dags/{dag_id} answered {answer.status}")
        found: dict[str, Any] = answer.body or {}
        return found

    def set_paused(self, dag_id: str, paused: bool) -> bool:
        """Pause or unpause one DAG; False if the DAG does not exist there."""
        answer = self.call("PATCH", f"/dags/{quote(dag_id, safe='')}", {"update_mask": "is_paused"},
                           {"is_paused": paused})
        if answer.status == 404:
            return False
        if answer.status >= 400:
            raise AirflowUnreachableError(f"{self.environment}: pausing {dag_id} answered {answer.status}: "
                                     f"{str(answer.body)[:300]}")
        return True

    # -- DAG runs ------------------------------------------------------------------------------------------
    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any],
                logical_date: str | None = None) -> dict[str, Any]:
        """Start a run with a fixed id; the existing run if that id was already triggered (idempotent).

        Airflow 3 takes an explicit ``logical_date`` (None: a run without one, which a downgrade to 2.x moves aside).
        """
        body: dict[str, Any] = {"dag_run_id": run_id, "conf": conf}
        if self.major >= 3:
            body["logical_date"] = logical_date
        path = f"/dags/{quote(dag_id, safe='')}/dagRuns"
        answer = self.call("POST", path, body=body)
        if answer.status == 409:
            existing = self.run(dag_id, run_id)
            if existing is None:
                raise AirflowUnreachableError(f"{self.environment}: run {run_id} conflicts but cannot be read")
            return existing
        if answer.status >= 400:
            raise AirflowUnreachableError(f"{self.environment}: triggering {dag_id} answered {answer.status}: "
                                     f"{str(answer.body)[:300]}")
        created: dict[str, Any] = answer.body or {}
        return created

    def run(self, dag_id: str, run_id: str) -> dict[str, Any] | None:
        path = f"/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
        if len(path) > MAX_PATH:  # InvokeRestApi's limit: find the run among the DAG's latest runs instead
            order = "-logical_date" if self.major >= 3 else "-execution_date"
            page = self.ok("GET", f"/dags/{quote(dag_id, safe='')}/dagRuns", {"limit": PAGE, "order_by": order}) or {}
            return next((r for r in page.get("dag_runs") or [] if r.get("dag_run_id") == run_id), None)
        answer = self.call("GET", path)
        if answer.status == 404:
            return None
        if answer.status >= 400:
            raise AirflowUnreachableError(f"{self.environment}: reading run {run_id} answered {answer.status}")
        found: dict[str, Any] = answer.body or {}
        return found

    def successful_runs_since(self, dag_id: str, since_iso: str) -> int:
        """Runs of dag_id that succeeded at or after since_iso, counted here among the latest PAGE runs (the
        server-side state/end_date filters are not applied the same way by every Airflow version)."""
        since = _instant(since_iso)
        order = "-logical_date" if self.major >= 3 else "-execution_date"
        page = self.ok("GET", f"/dags/{quote(dag_id, safe='')}/dagRuns", {"limit": PAGE, "order_by": order}) or {}
        return sum(1 for r in page.get("dag_runs") or []
                   if r.get("state") == "success" and r.get("end_date") and _instant(r["end_date"]) >= since)


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def major_version(airflow_version: str | None) -> int:
    try:
        return int(str(airflow_version or "2").split(".")[0])
    except ValueError:
        return 2
