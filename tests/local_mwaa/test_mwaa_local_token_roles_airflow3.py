"""The IAM-granted Airflow role reaches Airflow 3.0.6's simple auth manager through the web login.

A caller allowed only ``role/<env>/Viewer`` logs in as a VIEWER (reads DAGs, cannot pause one); one allowed
``role/<env>/Op`` as an OP (can); a Public-only caller gets a token whose login is refused, because the simple
auth manager has no Public role. (Airflow 2.10.3's FAB roles are covered in a browser by tests/sso.)
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from mwaa_local_helpers import Infra, wait_gone, wait_status

pytestmark = [pytest.mark.airflow, pytest.mark.emulator, pytest.mark.slow]
ACCOUNT, REGION = "123456789012", "us-east-1"
DAG = """
from datetime import datetime
from airflow import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("roles3", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    EmptyOperator(task_id="hello")
"""


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture(scope="module")
def env3(mwaa: Any, infra: Infra, airflow3: Any) -> Iterator[str]:
    name = f"roles3-{uuid.uuid4().hex[:6]}"
    boto3.client("s3").put_object(Bucket=infra.bucket, Key="roles3/roles3.py", Body=DAG.encode())
    mwaa.create_environment(**infra.params(name, AirflowVersion="3.0.6", DagS3Path="roles3",
                                           Tags={"mwaa-local:runtime": "airflow"}))
    try:
        wait_status(mwaa, name, {"AVAILABLE"}, timeout=420, leaving={"CREATING"})
        deadline = time.monotonic() + 240
        while True:
            try:
                if mwaa.invoke_rest_api(Name=name, Method="GET", Path="/dags/roles3")["RestApiStatusCode"] == 200:
                    break
            except ClientError:
                pass
            assert time.monotonic() < deadline, "DAG roles3 not parsed in time"
            time.sleep(2)
        yield name
    finally:
        mwaa.delete_environment(Name=name)
        wait_gone(mwaa, name, timeout=180)


def mwaa_allowed(env: str, role: str) -> Any:
    iam = boto3.client("iam")
    name = f"af3-{role.lower()}-{uuid.uuid4().hex[:6]}"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]})
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="web", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "airflow:CreateWebLoginToken",
                                                "Resource": f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{env}/{role}"}]}))
    creds = boto3.client("sts").assume_role(RoleArn=arn, RoleSessionName=f"{role.lower()}-user")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name=REGION).client(
        "mwaa", config=Config(retries={"max_attempts": 1}, read_timeout=300))


def login(client: Any, env: str) -> tuple[requests.Response, str]:
    token = client.create_web_login_token(Name=env)
    base = f"http://{token['WebServerHostname']}"
    return http().post(f"{base}/aws_mwaa/login", data={"token": token["WebToken"]}, allow_redirects=False,
                       timeout=60), base


def jwt_claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


@pytest.mark.parametrize(("role", "simple_role", "pause_status"), [("Viewer", "VIEWER", 403), ("Op", "OP", 200)])
def test_the_granted_role_is_the_airflow3_users_role(mwaa_vars: dict[str, str], env3: str, role: str,
                                                       simple_role: str, pause_status: int) -> None:
    answer, base = login(mwaa_allowed(env3, role), env3)
    assert answer.status_code == 303 and "_token" in answer.cookies
    jwt = answer.cookies["_token"]
    assert jwt_claims(jwt)["role"] == simple_role
    bearer = {"Authorization": f"Bearer {jwt}"}
    assert http().get(f"{base}/api/v2/dags/roles3", headers=bearer, timeout=60).status_code == 200
    paused = http().patch(f"{base}/api/v2/dags/roles3", json={"is_paused": True}, headers=bearer, timeout=60)
    assert paused.status_code == pause_status, paused.text


def test_a_public_only_token_cannot_sign_in_to_airflow3(mwaa_vars: dict[str, str], env3: str) -> None:
    answer, _ = login(mwaa_allowed(env3, "Public"), env3)
    assert answer.status_code == 403 and "_token" not in answer.cookies
