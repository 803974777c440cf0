"""Helpers for tests/crossaccount: two accounts in the emulator."""

from __future__ import annotations

from pathlib import Path

import boto3

from mwaa_local.emulator import ACCOUNT_ID, Emulator

HERE = Path(__file__).resolve().parent
CONSUMER_ACCOUNT = ACCOUNT_ID  # the emulator's default credentials live in account B
PRODUCER_ACCOUNT = "111111111111"
PRODUCER_BOOTSTRAP_ROLE = "terraform-data-producer"


def session_for(emulator: Emulator, region: str = "us-east-1") -> boto3.session.Session:
    """A boto3 session on account B's (default) credentials of ``emulator``."""
    env = emulator.env(region)
    return boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=region)


def client(session: boto3.session.Session, service: str, emulator: Emulator) -> object:
    return session.client(service, endpoint_url=emulator.endpoint)


def assume(emulator: Emulator, role_arn: str, session: boto3.session.Session | None = None,
           name: str = "pytest") -> boto3.session.Session:
    """Credentials for ``role_arn`` from the emulator's STS; moto maps them into the role's account."""
    sts = (session or session_for(emulator)).client("sts", endpoint_url=emulator.endpoint)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=name)["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name="us-east-1")


def bootstrap_producer_role(emulator: Emulator) -> str:
    """Create, in account A, the role Terraform's producer provider assumes (trusting account B), as a
    landing-zone pipeline would. moto lets any caller assume any role ARN (see the module README), so the
    role is created through a throw-away session already inside account A."""
    role_arn = f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/{PRODUCER_BOOTSTRAP_ROLE}"
    inside_a = assume(emulator, f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/bootstrap", name="bootstrap")
    iam = inside_a.client("iam", endpoint_url=emulator.endpoint)
    existing = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    if PRODUCER_BOOTSTRAP_ROLE not in existing:
        iam.create_role(
            RoleName=PRODUCER_BOOTSTRAP_ROLE,
            AssumeRolePolicyDocument=(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
                f'"Principal":{{"AWS":"arn:aws:iam::{CONSUMER_ACCOUNT}:root"}}}}]}}'
            ),
        )
        iam.attach_role_policy(RoleName=PRODUCER_BOOTSTRAP_ROLE,
                               PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    return role_arn
