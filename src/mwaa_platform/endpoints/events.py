"""Validate an ``MWAA Environment Status Change`` event into a :class:`StatusChange` without any AWS call.

Everything the handler later acts on is checked here: source and detail-type, account and region,
environment name, subnet and security group ids, endpoint service names and the Celery queue. A
malformed or foreign event raises :class:`RejectedEvent` with a reason that is safe to log.

The Celery queue is admitted into restrictive SQS endpoint policies, so only MWAA's own queue may pass: an
``airflow-celery-*`` queue (ARN or URL) in the event's region. In real AWS the queue lives in an account MWAA owns
(not the environment's, and not published per region), so any 12-digit account passes by default; an operator who
knows it lists it in ``queue_accounts`` (``ALLOWED_QUEUE_ACCOUNT_IDS``), and then only the event's account and the
listed ones pass.

MWAA's event detail uses camelCase keys (``name``, ``status``, ``networkConfiguration.subnetIds``,
``databaseVpcEndpointService``, ...); the PascalCase spelling of the GetEnvironment API is accepted too,
so the CLI can feed an environment description through the same validation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SOURCE = "aws.airflow"
DETAIL_TYPE = "MWAA Environment Status Change"
PENDING = "PENDING"
DELETED = "DELETED"
HANDLED_STATUSES = frozenset({PENDING, DELETED})
ACCESS_MODES = frozenset({"PRIVATE_ONLY", "PUBLIC_ONLY"})

_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z_-]{0,79}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_SUBNET = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SECURITY_GROUP = re.compile(r"^sg-[0-9a-f]{8,17}$")
_STATUS = re.compile(r"^[A-Z_]{1,32}$")
MAX_SUBNETS = 2
MAX_SECURITY_GROUPS = 5


class RejectedEvent(ValueError):  # noqa: N818 - it is an outcome, not a failure of ours
    """The event is malformed, foreign, or names resources we must not touch; ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StatusChange:
    """One validated status change of one MWAA environment."""

    name: str
    status: str
    account: str
    region: str
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    database_service: str | None = None
    webserver_service: str | None = None
    access_mode: str | None = None
    celery_queue_arn: str | None = None
    endpoint_management: str | None = None

    @property
    def wants_webserver_endpoint(self) -> bool:
        return self.access_mode == "PRIVATE_ONLY"


def _field(mapping: Mapping[str, Any], key: str) -> Any:
    """``key`` in camelCase (the event) or PascalCase (the GetEnvironment API)."""
    if key in mapping:
        return mapping[key]
    return mapping.get(key[0].upper() + key[1:])


def _service_pattern(region: str) -> re.Pattern[str]:
    return re.compile(rf"^com\.amazonaws\.vpce\.{re.escape(region)}\.vpce-svc-[0-9a-f]{{8,17}}$")


_QUEUE_ARN = re.compile(r"^arn:(?P<partition>aws(?:-[a-z]+)*):sqs:(?P<region>[^:]*):(?P<account>[^:]*):(?P<name>.*)$")
_QUEUE_URL = re.compile(r"^https://(?:sqs\.(?P<region>[a-z0-9-]+)|(?P<legacy>[a-z0-9-]+)\.queue)"
                        r"\.amazonaws\.com(?P<cn>\.cn)?/(?P<account>[^/]*)/(?P<name>[^/]*)$")
_CELERY_QUEUE_NAME = re.compile(r"^airflow-celery-[A-Za-z0-9_-]{1,65}$")  # SQS names: at most 80 characters


def celery_queue_arn(value: str, region: str, account: str, queue_accounts: Iterable[str] = ()) -> str:
    """The ARN of MWAA's Celery queue given as an ARN or URL; RejectedEvent for any other queue."""
    what = "detail.celeryExecutorQueue"
    arn, url = _QUEUE_ARN.match(value), _QUEUE_URL.match(value)
    if arn is not None:
        partition = arn["partition"]
        queue_region, queue_account, name = arn["region"], arn["account"], arn["name"]
    elif url is not None:
        queue_region, queue_account, name = url["region"] or url["legacy"], url["account"], url["name"]
        partition = "aws-cn" if url["cn"] else "aws-us-gov" if queue_region.startswith("us-gov-") else "aws"
    else:
        raise RejectedEvent(f"{what} is not an SQS queue ARN or URL")
    if queue_region != region:
        raise RejectedEvent(f"{what} is not a queue of region {region}")
    if not _ACCOUNT.match(queue_account):
        raise RejectedEvent(f"{what} has no 12-digit account id")
    listed = set(queue_accounts)
    if listed and queue_account != account and queue_account not in listed:
        raise RejectedEvent(f"{what} is in account {queue_account}, neither the event's account {account} "
                            "nor one listed in ALLOWED_QUEUE_ACCOUNT_IDS")
    if not _CELERY_QUEUE_NAME.match(name):
        raise RejectedEvent(f"{what} is not an MWAA Celery queue (airflow-celery-*)")
    return f"arn:{partition}:sqs:{region}:{queue_account}:{name}"


def _ids(value: Any, pattern: re.Pattern[str], what: str, limit: int, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value:
        raise RejectedEvent(f"{what} must be a non-empty list")
    if len(value) > limit:
        raise RejectedEvent(f"{what} lists {len(value)} ids; MWAA uses at most {limit}")
    bad = [v for v in value if not isinstance(v, str) or not pattern.match(v)]
    if bad:
        raise RejectedEvent(f"{what} contains malformed ids: {', '.join(map(str, bad[:3]))[:200]}")
    if len(set(value)) != len(value):
        raise RejectedEvent(f"{what} lists an id twice")
    return tuple(value)


def _optional_str(detail: Mapping[str, Any], key: str) -> str | None:
    value = _field(detail, key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RejectedEvent(f"detail.{key} must be a string")
    return value


def parse(event: Any, region: str, allowed_accounts: Iterable[str] = (),
          queue_accounts: Iterable[str] = ()) -> StatusChange:
    """Validate ``event`` for a handler running in ``region``; ``allowed_accounts`` empty = any account.

    ``queue_accounts``: accounts besides the event's whose ``airflow-celery-*`` queues may be admitted.
    """
    if not isinstance(event, Mapping):
        raise RejectedEvent("event is not a JSON object")
    if event.get("source") != SOURCE:
        raise RejectedEvent(f"source is {str(event.get('source'))[:64]!r}, expected {SOURCE!r}")
    if event.get("detail-type") != DETAIL_TYPE:
        raise RejectedEvent(f"detail-type is {str(event.get('detail-type'))[:64]!r}, expected {DETAIL_TYPE!r}")
    detail = event.get("detail")
    if not isinstance(detail, Mapping) or not detail:
        raise RejectedEvent("event has no detail object")

    account = event.get("account")
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        raise RejectedEvent("account is missing or not a 12-digit account id")
    allowed = set(allowed_accounts)
    if allowed and account not in allowed:
        raise RejectedEvent(f"account {account} is not one this automation serves")
    event_region = event.get("region")
    if not isinstance(event_region, str) or not _REGION.match(event_region):
        raise RejectedEvent("region is missing or malformed")
    if event_region != region:
        raise RejectedEvent(f"event is for region {event_region}; this handler serves {region}")

    name = _field(detail, "name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RejectedEvent("detail.name is missing or not a valid MWAA environment name")
    status = _field(detail, "status")
    if not isinstance(status, str) or not _STATUS.match(status):
        raise RejectedEvent("detail.status is missing or malformed")

    pending = status == PENDING
    network = _field(detail, "networkConfiguration")
    if network is None and pending:
        raise RejectedEvent("detail.networkConfiguration is missing")
    if network is not None and not isinstance(network, Mapping):
        raise RejectedEvent("detail.networkConfiguration must be an object")
    network = network or {}
    subnets = _ids(_field(network, "subnetIds"), _SUBNET, "networkConfiguration.subnetIds", MAX_SUBNETS, pending)
    groups = _ids(_field(network, "securityGroupIds"), _SECURITY_GROUP, "networkConfiguration.securityGroupIds",
                  MAX_SECURITY_GROUPS, pending)

    service_pattern = _service_pattern(region)
    database = _optional_str(detail, "databaseVpcEndpointService")
    webserver = _optional_str(detail, "webserverVpcEndpointService")
    for key, value in (("databaseVpcEndpointService", database), ("webserverVpcEndpointService", webserver)):
        if value is not None and not service_pattern.match(value):
            raise RejectedEvent(f"detail.{key} is not an endpoint service name of {region}")

    access_mode = _optional_str(detail, "webserverAccessMode")
    if access_mode is not None and access_mode not in ACCESS_MODES:
        raise RejectedEvent(f"detail.webserverAccessMode must be one of {sorted(ACCESS_MODES)}")
    queue = _optional_str(detail, "celeryExecutorQueue")
    if queue is not None:
        queue = celery_queue_arn(queue, region, account, queue_accounts)
    management = _optional_str(detail, "endpointManagement")
    if management is not None and management not in {"CUSTOMER", "SERVICE"}:
        raise RejectedEvent("detail.endpointManagement must be CUSTOMER or SERVICE")

    if pending:
        if management == "SERVICE":
            raise RejectedEvent("endpointManagement is SERVICE: MWAA creates this environment's endpoints itself")
        if database is None:
            raise RejectedEvent("detail.databaseVpcEndpointService is missing")
        if access_mode is None:
            raise RejectedEvent("detail.webserverAccessMode is missing")
        if access_mode == "PRIVATE_ONLY" and webserver is None:
            raise RejectedEvent("PRIVATE_ONLY environment without detail.webserverVpcEndpointService")

    return StatusChange(name=name, status=status, account=account, region=region, subnet_ids=subnets,
                        security_group_ids=groups, database_service=database, webserver_service=webserver,
                        access_mode=access_mode, celery_queue_arn=queue, endpoint_management=management)


def from_environment(environment: Mapping[str, Any], status: str | None = None) -> dict[str, Any]:
    """An event built from a GetEnvironment ``Environment`` (for running the handler by hand)."""
    arn = environment.get("Arn")
    if not isinstance(arn, str) or arn.count(":") < 5:
        raise RejectedEvent("environment has no ARN")
    _, _, _, region, account, _ = arn.split(":", 5)
    keys = ("Name", "Status", "CeleryExecutorQueue", "DatabaseVpcEndpointService", "WebserverVpcEndpointService",
            "WebserverAccessMode", "EndpointManagement")
    detail: dict[str, Any] = {k[0].lower() + k[1:]: environment[k] for k in keys if environment.get(k) is not None}
    network = environment.get("NetworkConfiguration") or {}
    detail["networkConfiguration"] = {
        "subnetIds": list(network.get("SubnetIds") or []),
        "securityGroupIds": list(network.get("SecurityGroupIds") or []),
    }
    if status:
        detail["status"] = status
    return {"source": SOURCE, "detail-type": DETAIL_TYPE, "account": account, "region": region,
            "resources": [arn], "detail": detail}
