"""The MWAA API through boto3 (routed by HTTP_PROXY), control plane only (`none` runtime): every operation,
the documented errors, the status machine and the EventBridge status events."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from mwaa_local_helpers import METRICS_PERIOD, UNAVAILABLE_AFTER, Infra, make_infra, statuses, wait_gone, wait_status

from mwaa_local import ports
from mwaa_local.mwaa import PLACEHOLDER_HOST, tokens
from mwaa_local.mwaa.launcher import LocalMwaa

pytestmark = pytest.mark.emulator
# Every field the Terraform provider reads must be in GetEnvironment (LastUpdate: it dereferences it).
PROVIDER_FIELDS = {
    "AirflowConfigurationOptions", "AirflowVersion", "Arn", "CreatedAt", "DagS3Path", "EndpointManagement",
    "EnvironmentClass", "ExecutionRoleArn", "LastUpdate", "LoggingConfiguration", "MaxWorkers", "MinWorkers",
    "MaxWebservers", "MinWebservers", "Name", "NetworkConfiguration", "Schedulers", "ServiceRoleArn",
    "SourceBucketArn", "Status", "Tags", "WebserverAccessMode", "WebserverUrl", "WeeklyMaintenanceWindowStart",
}


def name() -> str:
    return f"env-{uuid.uuid4().hex[:8]}"


def code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def test_create_get_list_delete_with_events(mwaa: Any, infra: Infra, status_events: Any) -> None:
    env_name = name()
    arn = mwaa.create_environment(**infra.params(env_name, EnvironmentClass="mw1.micro", Schedulers=1,
                                                  MaxWorkers=1, MinWebservers=1, MaxWebservers=1,
                                                  Tags={"team": "data"}))["Arn"]
    assert arn == f"arn:aws:airflow:us-east-1:123456789012:environment/{env_name}"
    assert mwaa.get_environment(Name=env_name)["Environment"]["Status"] == "CREATING"
    env = wait_status(mwaa, env_name, {"AVAILABLE"}, leaving={"CREATING"})
    assert set(env) >= PROVIDER_FIELDS
    assert env["LastUpdate"]["Status"] == "SUCCESS"
    assert env["EndpointManagement"] == "SERVICE" and "DatabaseVpcEndpointService" not in env
    assert env["WebserverAccessMode"] == "PRIVATE_ONLY"
    assert env["Tags"] == {"team": "data"}
    assert env["CeleryExecutorQueue"].startswith("arn:aws:sqs:us-east-1:")
    assert env["LoggingConfiguration"]["TaskLogs"] == {"Enabled": False, "LogLevel": "INFO"}
    assert env_name in mwaa.list_environments()["Environments"]

    mwaa.delete_environment(Name=env_name)
    wait_gone(mwaa, env_name)
    with pytest.raises(ClientError) as err:
        mwaa.get_environment(Name=env_name)
    assert code(err) == "ResourceNotFoundException"
    assert env_name not in mwaa.list_environments()["Environments"]

    seen = status_events(2.0)
    assert statuses(seen, env_name) == ["CREATING", "AVAILABLE", "DELETING", "DELETED"]
    event = next(e for e in seen if e["detail"]["name"] == env_name)
    assert event["source"] == "aws.airflow" and event["detail-type"] == "MWAA Environment Status Change"
    assert event["resources"] == [arn]
    detail = event["detail"]
    network = {"subnetIds": infra.subnet_ids, "securityGroupIds": [infra.security_group_id]}
    assert detail["networkConfiguration"] == network
    assert detail["webserverAccessMode"] == "PRIVATE_ONLY"
    assert detail["celeryExecutorQueue"] == env["CeleryExecutorQueue"]


def test_customer_endpoints_hold_the_environment_in_pending(mwaa: Any, infra: Infra, status_events: Any) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name, EndpointManagement="CUSTOMER", WebserverAccessMode="PRIVATE_ONLY"))
    env = wait_status(mwaa, env_name, {"PENDING"}, leaving={"CREATING"})
    database, webserver = env["DatabaseVpcEndpointService"], env["WebserverVpcEndpointService"]
    assert database.startswith("com.amazonaws.vpce.us-east-1.vpce-svc-") and webserver != database
    pending = [e for e in status_events(1.0) if e["detail"]["name"] == env_name and e["detail"]["status"] == "PENDING"]
    assert pending and pending[0]["detail"]["databaseVpcEndpointService"] == database
    assert pending[0]["detail"]["webserverVpcEndpointService"] == webserver

    ec2 = boto3.client("ec2")
    ec2.create_vpc_endpoint(VpcId=infra.vpc_id, ServiceName=database, VpcEndpointType="Interface",
                            SubnetIds=infra.subnet_ids)
    # only one of the two endpoints exists: still PENDING after a few endpoint checks
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc_endpoint(VpcId=other_vpc, ServiceName=webserver, VpcEndpointType="Interface")
    with pytest.raises(AssertionError, match="still PENDING"):
        wait_status(mwaa, env_name, {"AVAILABLE"}, timeout=5)
    ec2.create_vpc_endpoint(VpcId=infra.vpc_id, ServiceName=webserver, VpcEndpointType="Interface",
                            SubnetIds=infra.subnet_ids)
    wait_status(mwaa, env_name, {"AVAILABLE"}, timeout=30, leaving={"PENDING", "CREATING"})
    assert statuses(status_events(1.0), env_name) == ["CREATING", "PENDING", "CREATING", "AVAILABLE"]
    mwaa.delete_environment(Name=env_name)
    wait_gone(mwaa, env_name)


def test_public_customer_environment_needs_only_the_database_endpoint(mwaa: Any, infra: Infra) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name, EndpointManagement="CUSTOMER", WebserverAccessMode="PUBLIC_ONLY"))
    env = wait_status(mwaa, env_name, {"PENDING"}, leaving={"CREATING"})
    assert "WebserverVpcEndpointService" not in env
    boto3.client("ec2").create_vpc_endpoint(VpcId=infra.vpc_id, ServiceName=env["DatabaseVpcEndpointService"],
                                            VpcEndpointType="Interface", SubnetIds=infra.subnet_ids)
    wait_status(mwaa, env_name, {"AVAILABLE"}, timeout=30, leaving={"PENDING", "CREATING"})
    mwaa.delete_environment(Name=env_name)  # delete from PENDING works too (see test below)


def test_delete_while_pending(mwaa: Any, infra: Infra) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name, EndpointManagement="CUSTOMER"))
    wait_status(mwaa, env_name, {"PENDING"}, leaving={"CREATING"})
    mwaa.delete_environment(Name=env_name)
    wait_gone(mwaa, env_name)


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"EnvironmentClass": "mw1.huge"}, "Invalid environment class mw1.huge"),
    ({"AirflowVersion": "2.0.1"}, "Airflow version 2.0.1 is not supported"),
    ({"EnvironmentClass": "mw1.micro", "Schedulers": 2}, "Schedulers must be 1 for mw1.micro (got 2)"),
    ({"MinWorkers": 5, "MaxWorkers": 3}, "MinWorkers (5) must not be greater than MaxWorkers (3)"),
    ({"MaxWebservers": 6}, "MaxWebservers must be 2 to 5 for mw1.small (got 6)"),
    ({"AirflowConfigurationOptions": {"core.executor": "SequentialExecutor"}}, "core.executor is managed by MWAA"),
    ({"DagS3Path": "/dags"}, "DagS3Path must be a relative path"),
    ({"ExecutionRoleArn": "arn:aws:iam::123456789012:role/does-not-exist"}, "does not exist"),
    ({"SourceBucketArn": "arn:aws:s3:::no-such-bucket-x"}, "Unable to access source bucket no-such-bucket-x"),
    ({"RequirementsS3Path": "requirements.txt"}, "Unable to read s3://"),
    ({"RequirementsS3ObjectVersion": "abc"}, "RequirementsS3ObjectVersion requires RequirementsS3Path"),
    ({"Tags": {"mwaa-local:runtime": "docker"}}, "Tag mwaa-local:runtime must be one of"),
])
def test_create_rejects_what_mwaa_rejects(raw_mwaa: Any, infra: Infra, overrides: dict[str, Any],
                                         fragment: str) -> None:
    env_name = name()
    with pytest.raises(ClientError) as err:
        raw_mwaa.create_environment(**infra.params(env_name, **overrides))
    assert code(err) == "ValidationException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert fragment in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        raw_mwaa.get_environment(Name=env_name)  # nothing was created


def test_create_rejects_bad_shapes_and_network(raw_mwaa: Any, infra: Infra) -> None:
    with pytest.raises(ClientError) as err:
        raw_mwaa.create_environment(**infra.params("bad name!", MaxWorkers=0))
    message = err.value.response["Error"]["Message"]
    assert code(err) == "ValidationException" and message.startswith("2 validation errors detected")
    ec2 = boto3.client("ec2")
    same_az = ec2.create_subnet(VpcId=infra.vpc_id, CidrBlock="10.7.9.0/24", AvailabilityZone="us-east-1a")
    network = {"SubnetIds": [infra.subnet_ids[0], same_az["Subnet"]["SubnetId"]],
               "SecurityGroupIds": [infra.security_group_id]}
    with pytest.raises(ClientError) as err:
        raw_mwaa.create_environment(**infra.params(name(), NetworkConfiguration=network))
    assert "different Availability Zones" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        raw_mwaa.create_environment(**infra.params(name(), NetworkConfiguration={
            "SubnetIds": ["subnet-0000000000000000a", "subnet-0000000000000000b"], "SecurityGroupIds": ["sg-1"]}))
    assert code(err) == "ValidationException" and "not found" in err.value.response["Error"]["Message"]


def test_duplicate_name_is_rejected(mwaa: Any, infra: Infra) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name))
    with pytest.raises(ClientError) as err:
        mwaa.create_environment(**infra.params(env_name))
    assert code(err) == "ValidationException" and "already exists" in err.value.response["Error"]["Message"]
    wait_status(mwaa, env_name, {"AVAILABLE"})
    mwaa.delete_environment(Name=env_name)


def test_update_changes_in_place_and_refuses_while_busy(mwaa: Any, raw_mwaa: Any, infra: Infra,
                                                         status_events: Any) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name))
    wait_status(mwaa, env_name, {"AVAILABLE"})
    with pytest.raises(ClientError) as err:
        raw_mwaa.update_environment(Name=env_name, EnvironmentClass="mw1.micro")  # 2 schedulers, 10 workers
    assert "for mw1.micro" in err.value.response["Error"]["Message"]
    arn = mwaa.update_environment(Name=env_name, EnvironmentClass="mw1.large", MaxWorkers=4, MinWorkers=2,
                                  AirflowConfigurationOptions={"core.default_task_retries": "2"},
                                  WorkerReplacementStrategy="GRACEFUL",
                                  NetworkConfiguration={"SecurityGroupIds": [infra.security_group_id]})["Arn"]
    assert arn.endswith(f"environment/{env_name}")
    assert mwaa.get_environment(Name=env_name)["Environment"]["Status"] == "UPDATING"
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name=env_name, MaxWorkers=5)
    assert code(err) == "ValidationException" and "UPDATING" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        mwaa.delete_environment(Name=env_name)
    assert code(err) == "ValidationException"
    env = wait_status(mwaa, env_name, {"AVAILABLE"}, leaving={"UPDATING"})
    assert (env["EnvironmentClass"], env["MaxWorkers"], env["MinWorkers"]) == ("mw1.large", 4, 2)
    assert env["AirflowConfigurationOptions"] == {"core.default_task_retries": "2"}
    assert env["LastUpdate"]["Status"] == "SUCCESS"
    assert env["LastUpdate"]["WorkerReplacementStrategy"] == "GRACEFUL"
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name=env_name, AirflowVersion="3.0.6")  # from 2.10.x: not in place
    assert "not supported in place" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name="no-such-env", MaxWorkers=2)
    assert code(err) == "ResourceNotFoundException"
    assert statuses(status_events(1.0), env_name) == ["CREATING", "AVAILABLE", "UPDATING", "AVAILABLE"]
    mwaa.delete_environment(Name=env_name)


def test_bad_requirements_fail_the_create_and_roll_back_an_update(mwaa: Any, infra: Infra, status_events: Any) -> None:
    s3 = boto3.client("s3")
    good = s3.put_object(Bucket=infra.bucket, Key="requirements.txt", Body=b"requests\n")["VersionId"]
    bad = s3.put_object(Bucket=infra.bucket, Key="requirements.txt",
                        Body=b"mwaa-platform-no-such-package==0.0.1\n")["VersionId"]
    failing = name()
    mwaa.create_environment(**infra.params(failing, RequirementsS3Path="requirements.txt",
                                           RequirementsS3ObjectVersion=bad))
    env = wait_status(mwaa, failing, {"CREATE_FAILED"}, timeout=180, leaving={"CREATING"})
    assert env["LastUpdate"]["Status"] == "FAILED"
    assert env["LastUpdate"]["Error"]["ErrorCode"] == "REQUIREMENTS_INSTALL_FAILED"
    assert "mwaa-platform-no-such-package" in env["LastUpdate"]["Error"]["ErrorMessage"]
    created = name()
    mwaa.create_environment(**infra.params(created, RequirementsS3Path="requirements.txt",
                                           RequirementsS3ObjectVersion=good))
    assert wait_status(mwaa, created, {"AVAILABLE"}, timeout=180)["RequirementsS3ObjectVersion"] == good
    mwaa.update_environment(Name=created, RequirementsS3ObjectVersion=bad)
    env = wait_status(mwaa, created, {"UPDATE_FAILED"}, timeout=180, leaving={"UPDATING", "ROLLING_BACK"})
    assert env["RequirementsS3ObjectVersion"] == good  # rolled back (UPDATE_FAILED: rolled back, usable)
    assert env["LastUpdate"]["Status"] == "FAILED"
    assert env["LastUpdate"]["Error"]["ErrorCode"] == "REQUIREMENTS_INSTALL_FAILED"
    seen = status_events(1.0)
    assert statuses(seen, failing) == ["CREATING", "CREATE_FAILED"]
    assert statuses(seen, created) == ["CREATING", "AVAILABLE", "UPDATING", "ROLLING_BACK", "UPDATE_FAILED"]
    mwaa.delete_environment(Name=failing)  # a failed environment can be deleted
    mwaa.delete_environment(Name=created)
    wait_gone(mwaa, failing)


def test_tags(mwaa: Any, raw_mwaa: Any, infra: Infra) -> None:
    env_name = name()
    arn = mwaa.create_environment(**infra.params(env_name, Tags={"a": "1"}))["Arn"]
    mwaa.tag_resource(ResourceArn=arn, Tags={"b": "2", "c": "3"})
    mwaa.untag_resource(ResourceArn=arn, tagKeys=["a", "c"])
    assert mwaa.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}
    assert mwaa.get_environment(Name=env_name)["Environment"]["Tags"] == {"b": "2"}
    missing = arn.replace(env_name, "missing-env")
    for call in (lambda: mwaa.list_tags_for_resource(ResourceArn=missing),
                 lambda: mwaa.tag_resource(ResourceArn=missing, Tags={"x": "y"})):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        raw_mwaa.list_tags_for_resource(ResourceArn="arn:aws:s3:::not-an-environment")
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        mwaa.tag_resource(ResourceArn=arn, Tags={"mwaa-local:runtime": "airflow"})
    assert "fixed at creation" in err.value.response["Error"]["Message"]
    wait_status(mwaa, env_name, {"AVAILABLE"})
    mwaa.delete_environment(Name=env_name)


def test_list_pagination(mwaa: Any, raw_mwaa: Any, infra: Infra) -> None:
    names = sorted(name() for _ in range(3))
    for env_name in names:
        mwaa.create_environment(**infra.params(env_name))
    pages, token = [], None
    while True:
        page = mwaa.list_environments(MaxResults=1, **({"NextToken": token} if token else {}))
        pages += page["Environments"]
        token = page.get("NextToken")
        if not token:
            break
    assert [n for n in pages if n in names] == names
    assert len(pages) == len(set(pages))
    with pytest.raises(ClientError) as err:
        raw_mwaa.list_environments(MaxResults=26)
    assert code(err) == "ValidationException"
    for env_name in names:
        wait_status(mwaa, env_name, {"AVAILABLE"})
        mwaa.delete_environment(Name=env_name)


def test_tokens_and_rest_api_without_airflow(mwaa: Any, raw_mwaa: Any, infra: Infra) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name))
    env = wait_status(mwaa, env_name, {"AVAILABLE"})
    web = mwaa.create_web_login_token(Name=env_name)
    assert web["WebServerHostname"] == env["WebserverUrl"]
    assert web["IamIdentity"] == "user/moto" and web["AirflowIdentity"] == "user/moto"
    assert web["WebToken"].startswith(tokens.PREFIX + ".")
    cli = mwaa.create_cli_token(Name=env_name)
    assert cli["WebServerHostname"] == env["WebserverUrl"] and cli["CliToken"] != web["WebToken"]
    with pytest.raises(ClientError) as err:
        mwaa.invoke_rest_api(Name=env_name, Method="GET", Path="/dags")
    assert code(err) == "RestApiServerException"
    assert dict(err.value.response)["RestApiStatusCode"] == 503
    with pytest.raises(ClientError) as err:
        raw_mwaa.invoke_rest_api(Name=env_name, Method="GET", Path="dags/../x")
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        raw_mwaa.invoke_rest_api(Name=env_name, Method="TRACE", Path="/dags")
    assert code(err) == "ValidationException"
    for call in (mwaa.create_web_login_token, mwaa.create_cli_token):
        with pytest.raises(ClientError) as err:
            call(Name="no-such-env")
        assert code(err) == "ResourceNotFoundException"
    mwaa.delete_environment(Name=env_name)


def test_publish_metrics(mwaa: Any, raw_mwaa: Any, infra: Infra) -> None:
    env_name = name()
    mwaa.create_environment(**infra.params(env_name))
    now = datetime.now(UTC)
    mwaa.publish_metrics(EnvironmentName=env_name, MetricData=[{
        "MetricName": "CustomHealth", "Timestamp": now, "Value": 7.0, "Unit": "Count",
        "Dimensions": [{"Name": "Function", "Value": "Scheduler"}]}])
    stats = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AmazonMWAA", MetricName="CustomHealth", StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5), Period=60, Statistics=["Sum"],
        Dimensions=[{"Name": "Environment", "Value": env_name}, {"Name": "Function", "Value": "Scheduler"}])
    assert [d["Sum"] for d in stats["Datapoints"]] == [7.0]
    with pytest.raises(ClientError) as err:
        mwaa.publish_metrics(EnvironmentName="no-such-env", MetricData=[{"MetricName": "X", "Timestamp": now}])
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        raw_mwaa.publish_metrics(EnvironmentName=env_name, MetricData=[{"MetricName": "X"}])
    assert "metricData.1.member.timestamp" in err.value.response["Error"]["Message"]
    wait_status(mwaa, env_name, {"AVAILABLE"})
    mwaa.delete_environment(Name=env_name)


def test_environments_live_in_the_callers_account(mwaa: Any, status_events: Any) -> None:
    creds = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::210987654321:role/participant-admin",
                                            RoleSessionName="participant")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name="us-east-1")
    assert session.client("sts").get_caller_identity()["Account"] == "210987654321"
    infra = make_infra(f"p{uuid.uuid4().hex[:8]}", session)
    participant = session.client("mwaa", config=Config(retries={"max_attempts": 1}))
    env_name = name()
    arn = participant.create_environment(**infra.params(env_name))["Arn"]
    assert arn == f"arn:aws:airflow:us-east-1:210987654321:environment/{env_name}"
    assert wait_status(participant, env_name, {"AVAILABLE"})["ServiceRoleArn"].startswith("arn:aws:iam::210987654321:")
    assert env_name not in mwaa.list_environments()["Environments"]  # the default account does not see it
    with pytest.raises(ClientError) as err:
        mwaa.get_environment(Name=env_name)
    assert code(err) == "ResourceNotFoundException"
    assert web_identity(participant, env_name) == "assumed-role/participant-admin/participant"
    # the status events went to the participant's bus, not to this account's
    assert statuses(status_events(1.0), env_name) == []
    participant.delete_environment(Name=env_name)
    wait_gone(participant, env_name)


def test_shared_vpc_environment_waits_for_the_owners_endpoints(mwaa: Any) -> None:
    """A participant's CUSTOMER environment in subnets RAM-shared by the VPC owner: the endpoints MWAA waits for
    are the owner's (participants cannot create them), so the owner's endpoints, not the participant's, free it."""
    creds = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::210987654321:role/participant-admin",
                                            RoleSessionName="participant")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name="us-east-1")
    owner = make_infra(f"o{uuid.uuid4().hex[:8]}")  # the network account's VPC (the default account)
    own = make_infra(f"p{uuid.uuid4().hex[:8]}", session)  # the participant's role, bucket (and a VPC of its own)
    ram, owner_ec2, part_ec2 = boto3.client("ram"), boto3.client("ec2"), session.client("ec2")
    subnet_arns = [f"arn:aws:ec2:us-east-1:{boto3.client('sts').get_caller_identity()['Account']}:subnet/{s}"
                   for s in owner.subnet_ids]
    share = ram.create_resource_share(name=f"share-{uuid.uuid4().hex[:6]}", principals=["210987654321"],
                                      resourceArns=subnet_arns)["resourceShare"]["resourceShareArn"]
    group = part_ec2.create_security_group(GroupName=f"sg-{uuid.uuid4().hex[:6]}", Description="mwaa",
                                           VpcId=owner.vpc_id)["GroupId"]
    participant = session.client("mwaa", config=Config(retries={"max_attempts": 1}))
    env_name = name()
    shared = Infra(owner.vpc_id, owner.subnet_ids, group, own.role_arn, own.bucket)
    try:
        participant.create_environment(**shared.params(env_name, EndpointManagement="CUSTOMER",
                                                       WebserverAccessMode="PUBLIC_ONLY"))
        env = wait_status(participant, env_name, {"PENDING"}, leaving={"CREATING"})
        service = env["DatabaseVpcEndpointService"]
        # an endpoint for the service in the participant's own VPC does not count: it is not the environment's VPC
        part_ec2.create_vpc_endpoint(VpcId=own.vpc_id, ServiceName=service, VpcEndpointType="Interface",
                                     SubnetIds=own.subnet_ids)
        with pytest.raises(AssertionError, match="still PENDING"):
            wait_status(participant, env_name, {"AVAILABLE"}, timeout=5)
        owner_ec2.create_vpc_endpoint(VpcId=owner.vpc_id, ServiceName=service, VpcEndpointType="Interface",
                                      SubnetIds=owner.subnet_ids)
        wait_status(participant, env_name, {"AVAILABLE"}, timeout=30, leaving={"PENDING", "CREATING"})
    finally:
        participant.delete_environment(Name=env_name)
        wait_gone(participant, env_name)
        ram.delete_resource_share(resourceShareArn=share)


def web_identity(client: Any, env_name: str) -> str:
    return str(client.create_web_login_token(Name=env_name)["IamIdentity"])


def test_proxy_refuses_other_hosts_and_direct_calls_work(mwaa_vars: dict[str, str], local_mwaa: Any) -> None:
    proxy = {"http": f"http://127.0.0.1:{local_mwaa.port}"}
    answer = requests.get("http://example.com/", proxies=proxy, timeout=10)
    assert answer.status_code == 502 and "never forwards http://example.com" in answer.text
    answer = requests.get(f"http://api.{PLACEHOLDER_HOST}/environments", proxies=proxy, timeout=10)
    assert answer.status_code == 403 and answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    direct = boto3.client("mwaa", endpoint_url=local_mwaa.endpoint, config=Config(inject_host_prefix=False))
    assert "Environments" in direct.list_environments()


def test_session_service_settings(local_mwaa: Any) -> None:
    assert (local_mwaa.options["metrics_period"], local_mwaa.options["unavailable_after"]) == (
        METRICS_PERIOD, UNAVAILABLE_AFTER)


def test_a_second_service_on_the_same_state_directory_is_refused(local_mwaa: Any) -> None:
    """Two services on one root would both run every environment's jobs (measured: two version changes of
    one database at once, "duplicate key ... pg_database_datname_index"); the launcher refuses, and so does
    the service itself when started by hand."""
    second = LocalMwaa(pg_port=local_mwaa.pg_port, pg_root=local_mwaa.pg_root, emulator_env=local_mwaa.emulator_env,
                       port=ports.free_port(), root=local_mwaa.root, options=local_mwaa.options)
    with pytest.raises(RuntimeError, match="already runs on"):
        second.start()
    assert local_mwaa.running() is not None  # the first one's record is untouched
    by_hand = subprocess.run(second.command(), env={**os.environ, **local_mwaa.emulator_env}, capture_output=True,
                             text=True, timeout=120, check=False)
    assert by_hand.returncode != 0 and "another service already runs on" in by_hand.stderr
    assert not ports.is_listening(second.port)


def test_a_restarted_service_recovers_its_environments(mwaa_vars: dict[str, str], infra: Infra, local_mwaa: Any,
                                                        tmp_path: Path) -> None:
    service = LocalMwaa(pg_port=local_mwaa.pg_port, pg_root=local_mwaa.pg_root, emulator_env=local_mwaa.emulator_env,
                        port=ports.free_port(), root=tmp_path / "mwaa", options={"default_runtime": "none"})
    service.start()
    try:
        client = boto3.client("mwaa", endpoint_url=service.endpoint, config=Config(inject_host_prefix=False))
        s3 = boto3.client("s3")
        orphan_bucket = f"orphan-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=orphan_bucket)
        env_name, orphan = name(), name()
        arn = client.create_environment(**infra.params(env_name))["Arn"]
        client.create_environment(**infra.params(orphan, SourceBucketArn=f"arn:aws:s3:::{orphan_bucket}"))
        wait_status(client, env_name, {"AVAILABLE"})
        wait_status(client, orphan, {"AVAILABLE"})
        assert service.stop() is True
        assert not ports.is_listening(service.port)
        s3.delete_bucket(Bucket=orphan_bucket)  # what an emulator restart does to every bucket
        service.start()
        env = client.get_environment(Name=env_name)["Environment"]
        assert (env["Arn"], env["Status"]) == (arn, "AVAILABLE")
        with pytest.raises(ClientError) as err:
            client.get_environment(Name=orphan)
        assert code(err) == "ResourceNotFoundException"
        client.delete_environment(Name=env_name)
        wait_gone(client, env_name)
    finally:
        service.stop()
