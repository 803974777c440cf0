"""The MWAA API operations: business validation, then the record store and the lifecycle.

Input has already passed the model's shape validation (:mod:`shapes`); what is checked here is what the
real service checks beyond shapes: class limits, versions, the existence of the role, bucket, objects,
subnets and security groups in the emulator, and which statuses allow which operation.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from mwaa_local.mwaa import environment, identity, tokens
from mwaa_local.mwaa.errors import (
    InternalServerException,
    RestApiServerException,
    ValidationException,
    not_found,
)
from mwaa_local.mwaa.identity import Caller, client
from mwaa_local.mwaa.lifecycle import BUSY_STATUSES, Controller
from mwaa_local.mwaa.restapi import LoginError, RestForwarder
from mwaa_local.mwaa.runtime import EnvRuntime, StartError
from mwaa_local.mwaa.settings import RUNTIME_TAG
from mwaa_local.mwaa.store import Key, Record

log = logging.getLogger(__name__)
MAX_TAGS = 50
DATA_PLANE_STATUSES = {"AVAILABLE", "UPDATING", "UNAVAILABLE", "UPDATE_FAILED"}


def changing_version(record: Record) -> bool:
    """True while an update changes the Airflow version (its database is being migrated: no web server)."""
    pending = record["_local"].get("pending_update") or {}
    return record["Status"] in ("UPDATING", "ROLLING_BACK") and "AirflowVersion" in pending.get("changed", [])


def airflow_identity(caller: Caller) -> str:
    """MWAA's Airflow user name for an IAM identity: the identity, hashed when longer than 64 characters."""
    ident = caller.iam_identity
    return ident if len(ident) <= 64 else ident[:47] + "-" + hashlib.sha256(ident.encode()).hexdigest()[:16]


class Operations:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self.store = controller.store
        self.rest = RestForwarder()

    def dispatch(self, operation: str, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, operation, None)
        if handler is None:
            raise InternalServerException(f"{operation} is not implemented by the local MWAA")
        result: dict[str, Any] = handler(caller, params)
        return result

    # -- lookups -------------------------------------------------------------------------------------------
    def _record(self, caller: Caller, name: str) -> Record:
        record = self.store.get(Key(caller.account, caller.region, name))
        if record is None:
            raise not_found(name)
        return record

    def _record_by_arn(self, caller: Caller, arn: str) -> Record:
        region, account, name = environment.parse_arn(arn)
        record = self.store.get(Key(account, region, name))
        if record is None or region != caller.region:
            raise not_found(name)
        return record

    def _key(self, record: Record) -> Key:
        return Key(record["_local"]["account"], record["_local"]["region"], record["Name"])

    # -- control plane -------------------------------------------------------------------------------------
    def CreateEnvironment(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        name = params["Name"]
        if self.store.get(Key(caller.account, caller.region, name)) is not None:
            raise ValidationException(f"Environment {name} already exists.")
        environment.check_rules(params)
        refs = environment.check_references(caller.access_key_id, caller.region, params, changed=set(params))
        record = environment.new_record(caller, params, refs, self.controller.settings)
        if not self.store.create(record):
            raise ValidationException(f"Environment {name} already exists.")
        self.controller.created(record)
        return {"Arn": record["Arn"]}

    def GetEnvironment(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"Environment": environment.render(self._record(caller, params["Name"]))}

    def ListEnvironments(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        names = sorted(r["Name"] for r in self.store.list(caller.account, caller.region))
        start = 0
        if params.get("NextToken"):
            try:
                after = base64.urlsafe_b64decode(params["NextToken"].encode()).decode()
            except ValueError:
                raise ValidationException("The NextToken is not valid.") from None
            start = next((i for i, n in enumerate(names) if n > after), len(names))
        limit = params.get("MaxResults", 25)
        page = names[start:start + limit]
        answer: dict[str, Any] = {"Environments": page}
        if start + limit < len(names):
            answer["NextToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return answer

    def UpdateEnvironment(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record(caller, params["Name"])
        if record["Status"] not in ("AVAILABLE", "UPDATE_FAILED", "UNAVAILABLE"):
            raise ValidationException(f"Environment {record['Name']} is in {record['Status']} status and "
                                      "cannot be updated now; wait until it is AVAILABLE.")
        environment.check_version_change(record, params)
        merged = environment.merged_view(record, params)
        environment.check_rules(merged, check_version=params.get("AirflowVersion", record["AirflowVersion"])
                                != record["AirflowVersion"])
        changed = environment.changed_fields(record, params)
        refs = environment.check_references(caller.access_key_id, caller.region, merged, changed)
        if "NetworkConfiguration" in changed and refs.vpc_id and refs.vpc_id != record["_local"].get("vpc_id"):
            raise ValidationException("Security groups must be in the environment's VPC "
                                      f"{record['_local'].get('vpc_id')}")
        updated = self.controller.updating(self._key(record), params, refs, changed)
        return {"Arn": updated["Arn"]}

    def DeleteEnvironment(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record(caller, params["Name"])
        if record["Status"] in BUSY_STATUSES:
            raise ValidationException(f"Environment {record['Name']} is in {record['Status']} status and "
                                      "cannot be deleted now.")
        self.controller.deleting(self._key(record))
        return {}

    # -- tags ----------------------------------------------------------------------------------------------
    def TagResource(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record_by_arn(caller, params["ResourceArn"])
        tags = {**record.get("Tags", {}), **params["Tags"]}
        if len(tags) > MAX_TAGS:
            raise ValidationException(f"An environment can have at most {MAX_TAGS} tags.")
        runtime_tag = params["Tags"].get(RUNTIME_TAG)
        if runtime_tag is not None and runtime_tag != record["_local"]["runtime"]:
            raise ValidationException(f"Tag {RUNTIME_TAG} is fixed at creation (this environment: "
                                      f"{record['_local']['runtime']}); recreate the environment to change it.")
        self.store.update(self._key(record), lambda r: r.__setitem__("Tags", tags))
        return {}

    def UntagResource(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record_by_arn(caller, params["ResourceArn"])
        remove = set(params.get("tagKeys") or [])
        tags = {k: v for k, v in record.get("Tags", {}).items() if k not in remove}
        self.store.update(self._key(record), lambda r: r.__setitem__("Tags", tags))
        return {}

    def ListTagsForResource(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"Tags": dict(self._record_by_arn(caller, params["ResourceArn"]).get("Tags", {}))}

    # -- data plane ----------------------------------------------------------------------------------------
    def _web(self, record: Record) -> EnvRuntime:
        """The environment's runtime with its web server up (started lazily for Airflow 2)."""
        rt = self.controller.runtime(record)
        if (self.controller.runs_airflow(record) and record["Status"] in DATA_PLANE_STATUSES
                and not changing_version(record)):
            try:
                rt.ensure_web()
            except StartError as exc:
                raise InternalServerException(
                    f"the Airflow web server of {record['Name']} did not start: {exc}") from None
        return rt

    def CreateCliToken(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record(caller, params["Name"])
        role = identity.cli_role(caller, record["Name"], record["Arn"])  # AccessDeniedException when not allowed
        self._web(record)
        token = tokens.mint(record["_local"]["token_secret"], "cli", airflow_identity(caller), role)
        return {"CliToken": token, "WebServerHostname": record["WebserverUrl"]}

    def CreateWebLoginToken(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record(caller, params["Name"])
        role = identity.web_role(caller, record["Name"])  # AccessDeniedException when no Airflow role is allowed
        self._web(record)
        user = airflow_identity(caller)
        return {
            "WebToken": tokens.mint(record["_local"]["token_secret"], "web", user, role),
            "WebServerHostname": record["WebserverUrl"],
            "IamIdentity": caller.iam_identity,
            "AirflowIdentity": user,
        }

    def InvokeRestApi(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        record = self._record(caller, params["Name"])
        path = params["Path"]
        if not path.startswith("/") or ".." in path or "?" in path:
            raise ValidationException("Path must be an Airflow REST API path such as /dags (no '..' or query).")
        unavailable = {"title": "Service Unavailable", "status": 503}
        if not self.controller.runs_airflow(record):
            raise RestApiServerException(503, {**unavailable, "detail": "this local environment has no Airflow "
                                               f"(tag {RUNTIME_TAG}=none)"})
        if record["Status"] not in DATA_PLANE_STATUSES or changing_version(record):
            raise RestApiServerException(503, {**unavailable, "detail": f"environment is {record['Status']}"})
        rt = self._web(record)
        try:
            return self.rest.invoke(rt, params["Method"], path, params.get("QueryParameters"), params.get("Body"))
        except LoginError as exc:
            self.rest.forget(rt.key)
            raise InternalServerException(f"could not log in to {record['Name']}'s web server: {exc}") from None

    def PublishMetrics(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        name = params["EnvironmentName"]
        record = self.store.get(Key(caller.account, caller.region, name))
        if record is None:
            raise ValidationException(f"Environment {name} does not exist.")
        data = []
        for datum in params["MetricData"]:
            dims = [d for d in datum.get("Dimensions") or [] if d.get("Name") != "Environment"]
            item: dict[str, Any] = {
                "MetricName": datum["MetricName"],
                "Timestamp": _timestamp(datum["Timestamp"]),
                "Dimensions": [{"Name": "Environment", "Value": name}, *dims][:30],
            }
            for field in ("Value", "Unit", "StatisticValues"):
                if field in datum:
                    item[field] = datum[field]
            data.append(item)
        for start in range(0, len(data), 1000):
            client("cloudwatch", caller.access_key_id, caller.region).put_metric_data(
                Namespace="AmazonMWAA", MetricData=data[start:start + 1000])
        return {}


def _timestamp(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationException(f"Invalid timestamp {value!r}") from None
