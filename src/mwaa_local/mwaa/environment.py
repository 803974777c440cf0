"""Environment records: defaults, business validation, reference checks, updates, and the API view.

A record is the GetEnvironment ``Environment`` structure (every field the Terraform provider reads is
always present, LastUpdate included) plus ``_local`` (account, runtime, ports, DB, secrets).
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from mwaa_local import ports
from mwaa_local.mwaa import classes
from mwaa_local.mwaa.errors import ValidationException
from mwaa_local.mwaa.identity import Caller, client
from mwaa_local.mwaa.settings import RUNTIME_TAG, RUNTIMES, Settings
from mwaa_local.mwaa.store import Record
from mwaa_platform import versions

LOG_MODULES = {
    "DagProcessingLogs": "DAGProcessing",
    "SchedulerLogs": "Scheduler",
    "TaskLogs": "Task",
    "WebserverLogs": "WebServer",
    "WorkerLogs": "Worker",
}
# Options the service owns (MWAA refuses to let users override how it runs Airflow).
BLOCKED_OPTIONS = {
    "core.executor", "core.sql_alchemy_conn", "database.sql_alchemy_conn", "core.fernet_key",
    "webserver.secret_key", "api.auth_backends", "api_auth.jwt_secret", "core.dags_folder",
    "core.plugins_folder", "core.auth_manager", "webserver.web_server_port", "api.port",
    "core.execution_api_server_url", "logging.base_log_folder",
}
_ARN = re.compile(r"^arn:aws(-[a-z]+)?:airflow:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):environment/(?P<name>.+)$")
_FILE_FIELDS = (("PluginsS3Path", "PluginsS3ObjectVersion"), ("RequirementsS3Path", "RequirementsS3ObjectVersion"),
                ("StartupScriptS3Path", "StartupScriptS3ObjectVersion"))
SERVICE_ROLE = "role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"
DEFAULT_MAINTENANCE_WINDOW = "SUN:03:30"


def environment_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:airflow:{region}:{account}:environment/{name}"


def parse_arn(arn: str) -> tuple[str, str, str]:
    """(region, account, name) of an environment ARN; ValidationException otherwise."""
    match = _ARN.match(arn)
    if not match:
        raise ValidationException(f"Invalid environment ARN: {arn}")
    return match["region"], match["account"], match["name"]


def runtime_of(record: Record) -> str:
    runtime: str = record["_local"]["runtime"]
    return runtime


def render(record: Record) -> dict[str, Any]:
    """The API view of a record (what GetEnvironment returns)."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


@dataclass
class References:
    """What the reference checks learned: the VPC and the S3 object versions resolved from 'latest'."""

    vpc_id: str | None = None
    vpc_owner: str | None = None  # the account owning the subnets when it is not the caller's (a shared VPC)
    versions: dict[str, str] = field(default_factory=dict)


# -- validation ----------------------------------------------------------------------------------------------
def version_problem(version: str) -> str | None:
    """Why MWAA refuses ``version`` for a new environment or as an update target (None: accepted).

    From the version table: unknown and end_of_support versions are refused naming the offered ones;
    ``image_only`` versions are accepted by the local MWAA only (to test ahead; MWAA does not offer them yet).
    """
    offered = ", ".join(versions.offered())
    try:
        row = versions.get(version)
    except versions.UnknownVersionError:
        return f"Airflow version {version} is not supported: use one of {offered}"
    if row.status == "end_of_support":
        return (f"Airflow version {version} is not supported: it has reached end of support"
                f"{f' ({row.end_of_support.isoformat()})' if row.end_of_support else ''}; use one of {offered}")
    return None


def check_rules(merged: dict[str, Any], *, check_version: bool = True) -> None:
    """Business rules the shapes cannot express, on the merged (existing + requested) configuration.

    ``check_version``: validate AirflowVersion (on creation, and on updates that change it).
    """
    problems: list[str] = []
    env_class = merged.get("EnvironmentClass", classes.DEFAULT_CLASS)
    if env_class not in classes.CLASSES:
        problems.append(f"Invalid environment class {env_class}: use one of {', '.join(classes.CLASSES)}")
    if check_version:
        problem = version_problem(merged.get("AirflowVersion", classes.DEFAULT_VERSION))
        if problem:
            problems.append(problem)
    if env_class in classes.CLASSES:
        cap = classes.CLASSES[env_class]
        problems += classes.capacity_errors(
            env_class,
            merged.get("Schedulers", cap.default_schedulers),
            merged.get("MinWorkers", 1),
            merged.get("MaxWorkers", cap.default_max_workers),
            merged.get("MinWebservers", cap.webservers[0]),
            merged.get("MaxWebservers", cap.webservers[0]),
        )
    for key in merged.get("AirflowConfigurationOptions") or {}:
        if "." not in key:
            problems.append(f"Airflow configuration option {key} must be 'section.option'")
        elif key in BLOCKED_OPTIONS:
            problems.append(f"Airflow configuration option {key} is managed by MWAA and cannot be set")
    dag_path = merged.get("DagS3Path", "")
    if not dag_path or dag_path.startswith(("/", "s3://")):
        problems.append("DagS3Path must be a relative path in the source bucket, e.g. 'dags'")
    for path_field, version_field in _FILE_FIELDS:
        if merged.get(version_field) and not merged.get(path_field):
            problems.append(f"{version_field} requires {path_field}")
    tags = merged.get("Tags") or {}
    if RUNTIME_TAG in tags and tags[RUNTIME_TAG] not in RUNTIMES:
        problems.append(f"Tag {RUNTIME_TAG} must be one of {', '.join(RUNTIMES)}")
    if problems:
        raise ValidationException("; ".join(problems))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def check_references(caller_akid: str, region: str, merged: dict[str, Any], changed: set[str]) -> References:
    """Check that what the configuration points at exists in the emulator (only the fields in ``changed``)."""
    refs = References()
    if "ExecutionRoleArn" in changed:
        role_name = merged["ExecutionRoleArn"].rsplit("/", 1)[-1]
        try:
            client("iam", caller_akid, region).get_role(RoleName=role_name)
        except ClientError as exc:
            raise ValidationException(f"Execution role {merged['ExecutionRoleArn']} does not exist or cannot be "
                                      f"assumed by airflow.amazonaws.com ({_code(exc)})") from None
    bucket = merged["SourceBucketArn"].split(":::", 1)[-1]
    s3 = client("s3", caller_akid, region)
    if "SourceBucketArn" in changed:
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            raise ValidationException(f"Unable to access source bucket {bucket} ({_code(exc)})") from None
    for path_field, version_field in _FILE_FIELDS:
        if not merged.get(path_field) or not ({path_field, version_field} & changed):
            continue
        extra = {"VersionId": merged[version_field]} if merged.get(version_field) else {}
        try:
            head = s3.head_object(Bucket=bucket, Key=merged[path_field], **extra)
        except ClientError as exc:
            which = f"version {merged[version_field]} of " if extra else ""
            raise ValidationException(f"Unable to read {which}s3://{bucket}/{merged[path_field]} "
                                      f"for {path_field} ({_code(exc)})") from None
        version = head.get("VersionId")
        if not extra and version and version != "null":
            refs.versions[version_field] = version
    if "NetworkConfiguration" in changed:
        refs.vpc_id, refs.vpc_owner = _check_network(caller_akid, region, merged["NetworkConfiguration"])
    if merged.get("KmsKey") and "KmsKey" in changed:
        try:
            client("kms", caller_akid, region).describe_key(KeyId=merged["KmsKey"])
        except ClientError as exc:
            raise ValidationException(f"KMS key {merged['KmsKey']} not found ({_code(exc)})") from None
    return refs


def _check_network(akid: str, region: str, network: dict[str, Any]) -> tuple[str | None, str | None]:
    """The VPC of the subnets and security groups, and the account owning the subnets (RAM-shared ones included)."""
    ec2 = client("ec2", akid, region)
    vpcs: set[str] = set()
    owners: set[str] = set()
    subnet_ids = network.get("SubnetIds") or []
    if subnet_ids:
        try:
            subnets = ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]
        except ClientError as exc:
            raise ValidationException(f"Subnets {', '.join(subnet_ids)} not found ({_code(exc)})") from None
        zones = {s["AvailabilityZone"] for s in subnets}
        if len(zones) < len(subnet_ids):
            raise ValidationException("The subnets must be in different Availability Zones")
        vpcs |= {s["VpcId"] for s in subnets}
        owners |= {s["OwnerId"] for s in subnets if s.get("OwnerId")}
    group_ids = network.get("SecurityGroupIds") or []
    if group_ids:
        try:
            groups = ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
        except ClientError as exc:
            raise ValidationException(f"Security groups {', '.join(group_ids)} not found ({_code(exc)})") from None
        vpcs |= {g["VpcId"] for g in groups}
    if len(vpcs) > 1:
        raise ValidationException(f"Subnets and security groups must be in one VPC (found {', '.join(sorted(vpcs))})")
    if len(owners) > 1:
        raise ValidationException(f"The subnets must belong to one account (found {', '.join(sorted(owners))})")
    return next(iter(vpcs), None), next(iter(owners), None)


# -- creation ------------------------------------------------------------------------------------------------
def _logging(region: str, account: str, name: str, given: dict[str, Any] | None,
             current: dict[str, Any] | None = None) -> dict[str, Any]:
    out = copy.deepcopy(current) if current else {}
    for member, module in LOG_MODULES.items():
        spec = (given or {}).get(member) or out.get(member) or {"Enabled": False, "LogLevel": "INFO"}
        entry: dict[str, Any] = {"Enabled": bool(spec.get("Enabled")), "LogLevel": spec.get("LogLevel", "INFO")}
        if entry["Enabled"]:
            entry["CloudWatchLogGroupArn"] = f"arn:aws:logs:{region}:{account}:log-group:airflow-{name}-{module}"
        out[member] = entry
    return out


def _vpce_service(region: str, arn: str, kind: str) -> str:
    digest = hashlib.sha256(f"{arn}/{kind}".encode()).hexdigest()[:17]
    return f"com.amazonaws.vpce.{region}.vpce-svc-{digest}"


def _database_name(account: str, region: str, name: str) -> str:
    digest = hashlib.sha256(f"{account}/{region}/{name}".encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return f"mwaa_{digest}_{slug}"[:63]


def new_record(caller: Caller, params: dict[str, Any], refs: References, settings: Settings) -> Record:
    from cryptography.fernet import Fernet

    name = params["Name"]
    region, account = caller.region, caller.account
    arn = environment_arn(region, account, name)
    env_class = params.get("EnvironmentClass", classes.DEFAULT_CLASS)
    cap = classes.CLASSES[env_class]
    now = time.time()
    web_port = ports.free_port()
    tags = dict(params.get("Tags") or {})
    record: Record = {
        "Name": name,
        "Arn": arn,
        "Status": "CREATING",
        "CreatedAt": now,
        "WebserverUrl": f"127.0.0.1:{web_port}",
        "ExecutionRoleArn": params["ExecutionRoleArn"],
        "ServiceRoleArn": f"arn:aws:iam::{account}:{SERVICE_ROLE}",
        "AirflowVersion": params.get("AirflowVersion", classes.DEFAULT_VERSION),
        "SourceBucketArn": params["SourceBucketArn"],
        "DagS3Path": params["DagS3Path"],
        "AirflowConfigurationOptions": dict(params.get("AirflowConfigurationOptions") or {}),
        "EnvironmentClass": env_class,
        "MaxWorkers": params.get("MaxWorkers", cap.default_max_workers),
        "MinWorkers": params.get("MinWorkers", 1),
        "Schedulers": params.get("Schedulers", cap.default_schedulers),
        "MinWebservers": params.get("MinWebservers", cap.webservers[0]),
        "MaxWebservers": params.get("MaxWebservers", cap.webservers[0]),
        "NetworkConfiguration": copy.deepcopy(params["NetworkConfiguration"]),
        "LoggingConfiguration": _logging(region, account, name, params.get("LoggingConfiguration")),
        "LastUpdate": {"Status": "PENDING", "CreatedAt": now, "Source": "CreateEnvironment"},
        "WeeklyMaintenanceWindowStart": params.get("WeeklyMaintenanceWindowStart", DEFAULT_MAINTENANCE_WINDOW),
        "Tags": tags,
        "WebserverAccessMode": params.get("WebserverAccessMode", "PRIVATE_ONLY"),
        "EndpointManagement": params.get("EndpointManagement", "SERVICE"),
        "CeleryExecutorQueue": f"arn:aws:sqs:{region}:{account}:airflow-celery-{uuid.uuid4()}",
    }
    for optional in ("KmsKey", "IdentityCenterConfiguration", "Teams",
                     *(f for pair in _FILE_FIELDS for f in pair)):
        if params.get(optional):
            record[optional] = copy.deepcopy(params[optional])
    record.update(refs.versions)
    if record["EndpointManagement"] == "CUSTOMER":
        record["DatabaseVpcEndpointService"] = _vpce_service(region, arn, "database")
        if record["WebserverAccessMode"] == "PRIVATE_ONLY":
            record["WebserverVpcEndpointService"] = _vpce_service(region, arn, "webserver")
    record["_local"] = {
        "account": account,
        "region": region,
        "access_key_id": caller.access_key_id,
        "created_by": caller.iam_identity,
        "runtime": tags.get(RUNTIME_TAG, settings.default_runtime),
        "vpc_id": refs.vpc_id,
        "vpc_owner": refs.vpc_owner if refs.vpc_owner and refs.vpc_owner != account else None,
        "web_port": web_port,
        "database": _database_name(account, region, name),
        "fernet_key": Fernet.generate_key().decode(),
        "token_secret": secrets.token_hex(32),
        "secret_key": secrets.token_hex(24),
    }
    return record


# -- updates -------------------------------------------------------------------------------------------------
UPDATABLE = (
    "ExecutionRoleArn", "AirflowConfigurationOptions", "AirflowVersion", "DagS3Path", "EnvironmentClass",
    "MaxWorkers", "MinWorkers", "MaxWebservers", "MinWebservers", "Schedulers", "SourceBucketArn",
    "WebserverAccessMode", "WeeklyMaintenanceWindowStart", "IdentityCenterConfiguration",
    *(f for pair in _FILE_FIELDS for f in pair),
)


def merged_view(record: Record, params: dict[str, Any]) -> dict[str, Any]:
    """The configuration the update asks for, applied over the current one (for validation)."""
    merged = render(record)
    for name in UPDATABLE:
        if name in params:
            merged[name] = params[name]
    if "NetworkConfiguration" in params:
        merged["NetworkConfiguration"] = {**merged["NetworkConfiguration"], **params["NetworkConfiguration"]}
    return merged


def changed_fields(record: Record, params: dict[str, Any]) -> set[str]:
    changed = {n for n in UPDATABLE if n in params and params[n] != record.get(n)}
    if "NetworkConfiguration" in params:
        wanted = sorted(params["NetworkConfiguration"].get("SecurityGroupIds", []))
        if wanted != sorted(record["NetworkConfiguration"].get("SecurityGroupIds", [])):
            changed.add("NetworkConfiguration")
    if "LoggingConfiguration" in params:
        changed.add("LoggingConfiguration")
    if "WorkerReplacementStrategy" in params:
        changed.add("WorkerReplacementStrategy")
    return changed


def check_version_change(record: Record, params: dict[str, Any]) -> None:
    """MWAA's rules for an in-place version change (the version table's change_refusal), as ValidationException."""
    new = params.get("AirflowVersion")
    if not new or new == record["AirflowVersion"]:
        return
    problem = version_problem(new)
    if problem:
        raise ValidationException(problem)
    refusal = versions.change_refusal(record["AirflowVersion"], new)
    if refusal:
        raise ValidationException(refusal)


def apply_update(record: Record, params: dict[str, Any], refs: References) -> None:
    """Write the requested configuration into ``record`` (in place)."""
    local = record["_local"]
    for name in UPDATABLE:
        if name not in params:
            continue
        if params[name] in ("", None) and name not in ("AirflowConfigurationOptions",):
            record.pop(name, None)
        else:
            record[name] = copy.deepcopy(params[name])
    for path_field, version_field in _FILE_FIELDS:
        if path_field not in record or (path_field in params and version_field not in params):
            record.pop(version_field, None)
    record.update(refs.versions)
    if "NetworkConfiguration" in params:
        record["NetworkConfiguration"]["SecurityGroupIds"] = list(params["NetworkConfiguration"]["SecurityGroupIds"])
    if "LoggingConfiguration" in params:
        record["LoggingConfiguration"] = _logging(local["region"], local["account"], record["Name"],
                                                  params["LoggingConfiguration"], record["LoggingConfiguration"])
    if record.get("EndpointManagement") == "CUSTOMER":
        if record["WebserverAccessMode"] == "PRIVATE_ONLY":
            record["WebserverVpcEndpointService"] = _vpce_service(local["region"], record["Arn"], "webserver")
        else:
            record.pop("WebserverVpcEndpointService", None)


def snapshot(record: Record) -> dict[str, Any]:
    """The configuration fields an update may change, to roll back to."""
    keep = (*UPDATABLE, "NetworkConfiguration", "LoggingConfiguration", "WebserverVpcEndpointService")
    return {k: copy.deepcopy(record[k]) for k in keep if k in record}


def restore(record: Record, saved: dict[str, Any]) -> None:
    keep = (*UPDATABLE, "NetworkConfiguration", "LoggingConfiguration", "WebserverVpcEndpointService")
    for name in keep:
        record.pop(name, None)
    record.update(copy.deepcopy(saved))
