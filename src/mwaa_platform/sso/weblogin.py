"""Web login: assume the access role of the granted Airflow role, create an MWAA web login token, redirect.

Credentials and the token live only in local variables and the returned URL; nothing here logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform import aws

SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]")
HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")
LOOPBACK_HOST = re.compile(r"^127\.0\.0\.1:\d{1,5}$")
# an interactive login waits on these calls: short timeouts, few retries
FAST: dict[str, Any] = {"connect_timeout": 2, "read_timeout": 5, "retries": {"mode": "standard", "max_attempts": 3}}


class WebLoginError(Exception):
    """The token could not be created. ``code`` is the AWS error code (or a short reason), never a secret."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def session_name(user: str) -> str:
    """A RoleSessionName that names the user in CloudTrail (allowed characters only, 2..64 long)."""
    name = SESSION_NAME_CHARS.sub("-", user)[:64]
    return name if len(name) >= 2 else f"sso-{name}"


def _mwaa_client(credentials: Mapping[str, Any], region: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    return aws.client("mwaa", region, session=session, **FAST)


@dataclass
class WebLogin:
    sts_client: Any = None
    mwaa_client: Callable[[Mapping[str, Any], str], Any] = _mwaa_client

    def __post_init__(self) -> None:
        if self.sts_client is None:
            self.sts_client = aws.client("sts", **FAST)

    def redirect_url(self, environment_name: str, region: str, role_arn: str, user: str) -> str:
        """``https://<webserver>/aws_mwaa/aws-console-sso?login=true#<token>`` for ``user``."""
        try:
            credentials = self.sts_client.assume_role(
                RoleArn=role_arn, RoleSessionName=session_name(user), DurationSeconds=900)["Credentials"]
            response = self.mwaa_client(credentials, region).create_web_login_token(Name=environment_name)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "ClientError")
            raise WebLoginError(f"{exc.operation_name} failed with {code}", code) from None
        except BotoCoreError as exc:
            raise WebLoginError(f"AWS call failed: {type(exc).__name__}", type(exc).__name__) from None
        host, token = response.get("WebServerHostname", ""), response.get("WebToken", "")
        if not HOSTNAME.match(host) or not token:
            raise WebLoginError("MWAA answered without a usable web server hostname or token", "BadResponse")
        # MWAA's web servers are HTTPS; only the local MWAA (emulation) answers with a plain-HTTP loopback host
        scheme = "http" if LOOPBACK_HOST.match(host) else "https"
        return f"{scheme}://{host}/aws_mwaa/aws-console-sso?login=true#{token}"
