"""Status transitions published as MWAA's EventBridge event to the emulator's default event bus.

MWAA sends ``source = aws.airflow``, ``detail-type = MWAA Environment Status Change`` on every status
change, best effort. The detail carries what the endpoint automation needs (name, status, the Celery
queue, the network configuration, the VPC endpoint services, the webserver access mode). The event is
put in the environment's own account and region, so cross-account forwarding rules see it like the real one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from mwaa_local.mwaa.identity import client
from mwaa_local.mwaa.store import Record

SOURCE = "aws.airflow"
DETAIL_TYPE = "MWAA Environment Status Change"
log = logging.getLogger(__name__)


def detail(record: Record, previous: str | None) -> dict[str, Any]:
    network = record.get("NetworkConfiguration") or {}
    body: dict[str, Any] = {
        "name": record["Name"],
        "arn": record["Arn"],
        "status": record["Status"],
        "previousStatus": previous,
        "environmentClass": record.get("EnvironmentClass"),
        "airflowVersion": record.get("AirflowVersion"),
        "endpointManagement": record.get("EndpointManagement"),
        "webserverAccessMode": record.get("WebserverAccessMode"),
        "celeryExecutorQueue": record.get("CeleryExecutorQueue"),
        "networkConfiguration": {
            "subnetIds": list(network.get("SubnetIds") or []),
            "securityGroupIds": list(network.get("SecurityGroupIds") or []),
        },
    }
    for field, key in (("DatabaseVpcEndpointService", "databaseVpcEndpointService"),
                       ("WebserverVpcEndpointService", "webserverVpcEndpointService")):
        if record.get(field):
            body[key] = record[field]
    error = (record.get("LastUpdate") or {}).get("Error")
    if error:
        body["lastUpdateError"] = {"errorCode": error.get("ErrorCode"), "errorMessage": error.get("ErrorMessage")}
    return body


def entry(record: Record, previous: str | None) -> dict[str, Any]:
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Resources": [record["Arn"]],
        "Detail": json.dumps(detail(record, previous)),
    }


def publish(record: Record, previous: str | None) -> bool:
    """Put the status-change event; False (logged) if the emulator refused it. Never raises."""
    local = record["_local"]
    try:
        events = client("events", local["access_key_id"], local["region"])
        answer = events.put_events(Entries=[entry(record, previous)])
    except Exception as exc:  # best effort, like MWAA's own delivery
        log.warning("status event %s -> %s for %s not delivered: %s", previous, record["Status"], record["Arn"], exc)
        return False
    if answer.get("FailedEntryCount"):
        log.warning("status event for %s refused: %s", record["Arn"], answer.get("Entries"))
        return False
    log.info("event %s: %s -> %s", record["Arn"], previous, record["Status"])
    return True
