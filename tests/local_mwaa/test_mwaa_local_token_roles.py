"""CreateWebLoginToken / CreateCliToken authorize like MWAA: the caller's IAM policies in the emulator decide.

``airflow:CreateWebLoginToken`` on ``arn:aws:airflow:<region>:<account>:role/<environment>/<Airflow role>``
gives the most privileged allowed role to the token, an explicit Deny or a permissions boundary takes roles
away, a caller allowed none gets AccessDeniedException; ``airflow:CreateCliToken`` on the environment decides
the CLI. The emulator's default credentials (moto's ``user/moto``, not an IAM entity) stay the account's
administrator. Runtime ``none`` (control plane only): the Airflow side of the role is in tests/sso's browser test.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from mwaa_local_helpers import Infra, wait_gone, wait_status

pytestmark = [pytest.mark.emulator]
ACCOUNT, REGION = "123456789012", "us-east-1"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]})


def role_arn(env: str, role: str) -> str:
    return f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{env}/{role}"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, *resources: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": list(resources)}


def claims(token: str) -> dict[str, Any]:
    """The payload of a local MWAA token (what the environment's login route will trust once verified)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


@pytest.fixture(scope="module")
def env_name(mwaa: Any, infra: Infra) -> Iterator[str]:
    name = f"roles-{uuid.uuid4().hex[:8]}"
    mwaa.create_environment(**infra.params(name))
    wait_status(mwaa, name, {"AVAILABLE"}, leaving={"CREATING"})
    yield name
    mwaa.delete_environment(Name=name)
    wait_gone(mwaa, name)


def mwaa_as_role(name: str, inline: str | None = None, managed: str | None = None,
                 boundary: str | None = None) -> Any:
    """An MWAA client acting as a new IAM role with these policies (assumed with the default credentials)."""
    iam = boto3.client("iam")
    role = f"{name}-{uuid.uuid4().hex[:6]}"
    extra: dict[str, Any] = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, **extra)["Role"]["Arn"]
    if inline:
        iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=inline)
    if managed:
        iam.attach_role_policy(RoleName=role, PolicyArn=managed)
    creds = boto3.client("sts").assume_role(RoleArn=arn, RoleSessionName="someone@example.com")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name=REGION)
    return session.client("mwaa", config=Config(retries={"max_attempts": 1}))


def managed_policy(document: str) -> str:
    name = f"p-{uuid.uuid4().hex[:8]}"
    return str(boto3.client("iam").create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"])


def denied(call: Any, env: str) -> str:
    with pytest.raises(ClientError) as err:
        call(Name=env)
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return str(err.value.response["Error"]["Message"])


def test_the_most_privileged_allowed_role_is_the_tokens(mwaa_vars: dict[str, str], env_name: str) -> None:
    client = mwaa_as_role("viewer-op", inline=policy(allow("airflow:CreateWebLoginToken",
                                                           role_arn(env_name, "Viewer"), role_arn(env_name, "Op"))))
    token = client.create_web_login_token(Name=env_name)
    assert claims(token["WebToken"])["role"] == "Op"
    assert token["AirflowIdentity"].startswith("assumed-role/viewer-op-") and claims(token["WebToken"])["kind"] == "web"

    viewer = mwaa_as_role("viewer", managed=managed_policy(policy(allow("airflow:CreateWebLoginToken",
                                                                        "arn:aws:airflow:*:*:role/*/Viewer"))))
    assert claims(viewer.create_web_login_token(Name=env_name)["WebToken"])["role"] == "Viewer"


def test_explicit_deny_and_boundary_take_roles_away(mwaa_vars: dict[str, str], env_name: str) -> None:
    everything = allow("airflow:CreateWebLoginToken", role_arn(env_name, "*"))
    no_admin = {"Effect": "Deny", "Action": "airflow:*", "Resource": role_arn(env_name, "Admin")}
    client = mwaa_as_role("deny-admin", inline=policy(everything, no_admin))
    assert claims(client.create_web_login_token(Name=env_name)["WebToken"])["role"] == "Op"

    boundary = managed_policy(policy(allow("airflow:*", role_arn(env_name, "User"), role_arn(env_name, "Viewer"))))
    bounded = mwaa_as_role("bounded", inline=policy(allow("airflow:*", "*")), boundary=boundary)
    assert claims(bounded.create_web_login_token(Name=env_name)["WebToken"])["role"] == "User"


def test_a_caller_allowed_no_role_is_denied(mwaa_vars: dict[str, str], env_name: str) -> None:
    nothing = mwaa_as_role("nothing", inline=policy(allow("s3:GetObject", "*")))
    message = denied(nothing.create_web_login_token, env_name)
    assert "airflow:CreateWebLoginToken" in message and f"role/{env_name}/*" in message
    denied(nothing.create_cli_token, env_name)

    elsewhere = mwaa_as_role("elsewhere", inline=policy(allow("airflow:CreateWebLoginToken",
                                                              role_arn("other-env", "Admin"))))
    denied(elsewhere.create_web_login_token, env_name)
    with pytest.raises(ClientError) as err:  # authorization does not reveal environments that do not exist
        elsewhere.create_web_login_token(Name="no-such-environment")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_cli_token_needs_create_cli_token_on_the_environment(mwaa_vars: dict[str, str], env_name: str) -> None:
    env_arn = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/{env_name}"
    cli_only = mwaa_as_role("cli", inline=policy(allow("airflow:CreateCliToken", env_arn)))
    assert claims(cli_only.create_cli_token(Name=env_name)["CliToken"])["kind"] == "cli"
    denied(cli_only.create_web_login_token, env_name)  # the CLI permission opens no web login
    web_only = mwaa_as_role("web", inline=policy(allow("airflow:CreateWebLoginToken", role_arn(env_name, "Admin"))))
    denied(web_only.create_cli_token, env_name)


def test_iam_users_get_their_groups_policies(mwaa_vars: dict[str, str], env_name: str) -> None:
    iam = boto3.client("iam")
    suffix = uuid.uuid4().hex[:6]
    user, group = f"alice-{suffix}", f"operators-{suffix}"
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    client = boto3.client("mwaa", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                          config=Config(retries={"max_attempts": 1}))
    denied(client.create_web_login_token, env_name)  # a fresh key: the answer is not cached
    iam.put_group_policy(GroupName=group, PolicyName="op", PolicyDocument=policy(
        allow("airflow:CreateWebLoginToken", role_arn(env_name, "Op"))))
    iam.add_user_to_group(GroupName=group, UserName=user)
    token = client.create_web_login_token(Name=env_name)
    assert claims(token["WebToken"])["role"] == "Op" and token["IamIdentity"] == f"user/{user}"


def test_default_credentials_remain_the_accounts_administrator(mwaa: Any, env_name: str) -> None:
    token = mwaa.create_web_login_token(Name=env_name)
    assert token["IamIdentity"] == "user/moto" and claims(token["WebToken"])["role"] == "Admin"
    assert claims(mwaa.create_cli_token(Name=env_name)["CliToken"])["role"] == "Admin"
