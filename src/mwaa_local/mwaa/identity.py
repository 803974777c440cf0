"""Who is calling, from the request's SigV4 ``Authorization`` header, and AWS clients that act as them.

The region comes from the credential scope. The account is what the emulator's STS says about the
caller's access key (moto maps assumed-role keys to their account; signatures are not verified locally),
so an environment created with a participant account's credentials lives in that account, and the
events, metrics and S3 reads it causes happen there too. Only access key ids are kept: emulator keys,
never real credentials (the local MWAA only talks to the emulator).

Authorization of the token operations is MWAA's: ``airflow:CreateWebLoginToken`` on
``arn:aws:airflow:<region>:<account>:role/<environment>/<Airflow role>`` decides the Airflow role of a web
login (the most privileged one allowed), ``airflow:CreateCliToken`` on the environment the CLI. The caller's
identity policies (inline, attached, its groups', and its permissions boundary) are read from the emulator's
IAM on every call and evaluated by :mod:`mwaa_local.policy_eval`. Not evaluated: session
policies passed to AssumeRole, SCPs, and resource-specific conditions beyond that evaluator's operators.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import boto3

from mwaa_local.mwaa.errors import MissingAuthenticationTokenException
from mwaa_platform import aws

_log = logging.getLogger(__name__)
_SCOPE = re.compile(r"Credential=(?P<akid>[^/,\s]+)/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[^/]+)/aws4_request")
_DUMMY_SECRET = "local-mwaa"  # noqa: S105 the emulator does not verify signatures


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    region: str
    account: str
    arn: str

    @property
    def iam_identity(self) -> str:
        """``assumed-role/Admin/session`` or ``user/name``: the resource part of the caller's ARN."""
        return self.arn.split(":", 5)[-1] if self.arn.count(":") >= 5 else self.arn


def session(access_key_id: str, region: str) -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id=access_key_id, aws_secret_access_key=_DUMMY_SECRET,
                                 region_name=region)


_CLIENTS: dict[tuple[str, str, str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()
_CLIENTS_MAX = 256


def client(service: str, access_key_id: str, region: str, **overrides: Any) -> Any:
    """A client to the emulator (AWS_ENDPOINT_URL of this process) acting as ``access_key_id``.

    Clients are kept per (service, key, region, overrides): a new boto3 session parses the service's model again
    (~60 ms of CPU), and the log shipper, the metrics and the DAG sync ask for clients every few seconds per
    environment. boto3 clients are thread-safe; the endpoint is this process's and never changes while it runs.
    """
    endpoints = (os.environ.get("AWS_ENDPOINT_URL"), os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}"))
    key = (service, access_key_id, region, repr((endpoints, sorted(overrides.items()))))
    with _CLIENTS_LOCK:
        found = _CLIENTS.get(key)
    if found is not None:
        return found
    made = aws.client(service, region, session=session(access_key_id, region), **overrides)
    with _CLIENTS_LOCK:
        if len(_CLIENTS) >= _CLIENTS_MAX:
            _CLIENTS.pop(next(iter(_CLIENTS)))  # the oldest: access keys of long-gone sessions
        return _CLIENTS.setdefault(key, made)


class Resolver:
    """Caches access key -> (account, arn) so that each request does not call STS."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def caller(self, headers: Any) -> Caller:
        auth = headers.get("Authorization") or ""
        match = _SCOPE.search(auth)
        if not match:
            raise MissingAuthenticationTokenException(
                "Missing Authentication Token: sign the request with SigV4 (boto3 / the AWS SDKs do)."
            )
        akid, region = match["akid"], match["region"]
        with self._lock:
            known = self._cache.get(akid)
        if known is None:
            ident = client("sts", akid, region).get_caller_identity()
            known = (ident["Account"], ident["Arn"])
            with self._lock:
                self._cache[akid] = known
        return Caller(akid, region, known[0], known[1])


# -- authorization: which Airflow role the caller's IAM policies allow ----------------------------------------
# MWAA's CreateWebLoginToken resource is arn:<partition>:airflow:<region>:<account>:role/<environment>/<role>;
# CreateCliToken's is the environment. Most privileged first.
AIRFLOW_ROLES: tuple[str, ...] = ("Admin", "Op", "User", "Viewer", "Public")
_ASSUMED = re.compile(r"^arn:[^:]+:sts::\d{12}:assumed-role/(?P<role>[^/]+)/[^/]+$")
_USER = re.compile(r"^arn:[^:]+:(?:iam|sts)::\d{12}:user/(?:.*/)?(?P<user>[^/]+)$")
_ROOT = re.compile(r"^arn:[^:]+:iam::\d{12}:root$")


@dataclass(frozen=True)
class Policies:
    """The caller's identity-based policies as the emulator's IAM holds them.

    ``unrestricted``: the account root, or an identity that the emulator's IAM does not hold (its default
    credentials, whose caller is moto's ``user/moto``, and roles assumed without being created): these stand
    for the account's administrator, as moto treats every unknown caller, and are allowed every action.
    ``boundary``: the permissions boundary, when the user or role has one (an action must be allowed by both).
    """

    unrestricted: bool
    documents: tuple[dict[str, Any], ...] = ()
    boundary: dict[str, Any] | None = None
    source: str = ""


def _document(raw: Any) -> dict[str, Any]:
    """A policy document from IAM (boto3 decodes it; a string is URL-encoded JSON in some moto answers)."""
    if isinstance(raw, dict):
        return raw
    from urllib.parse import unquote

    value = json.loads(unquote(str(raw)))
    return value if isinstance(value, dict) else {}


def _managed(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def _pages(iam: Any, operation: str, key: str, **params: Any) -> list[Any]:
    out: list[Any] = []
    for page in iam.get_paginator(operation).paginate(**params):
        out += page.get(key, [])
    return out


def identity_policies(caller: Caller) -> Policies:
    """Inline, attached (and, for users, their groups') policies of the caller, read from the emulator's IAM."""
    from botocore.exceptions import ClientError

    iam = client("iam", caller.access_key_id, caller.region)
    if _ROOT.match(caller.arn):
        return Policies(True, source="account root")
    assumed, user = _ASSUMED.match(caller.arn), _USER.match(caller.arn)
    try:
        if assumed:
            name = assumed["role"]
            entity = iam.get_role(RoleName=name)["Role"]
            docs = [_document(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                    for p in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)]
            docs += [_managed(iam, p["PolicyArn"])
                     for p in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)]
        elif user:
            name = user["user"]
            entity = iam.get_user(UserName=name)["User"]
            docs = [_document(iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"])
                    for p in _pages(iam, "list_user_policies", "PolicyNames", UserName=name)]
            docs += [_managed(iam, p["PolicyArn"])
                     for p in _pages(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)]
            for group in _pages(iam, "list_groups_for_user", "Groups", UserName=name):
                gname = group["GroupName"]
                docs += [_document(iam.get_group_policy(GroupName=gname, PolicyName=p)["PolicyDocument"])
                         for p in _pages(iam, "list_group_policies", "PolicyNames", GroupName=gname)]
                docs += [_managed(iam, p["PolicyArn"])
                         for p in _pages(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=gname)]
        else:
            return Policies(False, source="an identity type the local MWAA does not evaluate")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return Policies(True, source="an identity the emulator's IAM does not hold (default credentials)")
        raise
    boundary_arn = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    boundary = _managed(iam, boundary_arn) if boundary_arn else None
    return Policies(False, tuple(docs), boundary, source=caller.iam_identity)


def allowed(caller: Caller, policies: Policies, action: str, resource: str) -> bool:
    """Whether ``policies`` allow ``caller`` ``action`` on ``resource`` (same account: identity policies decide)."""
    if policies.unrestricted:
        return True
    from mwaa_local.policy_eval import Effect, Request, UnsupportedConditionError, decide, evaluate

    request = Request(principal=caller.arn, action=action, resource=resource,
                      context={"aws:RequestedRegion": caller.region})
    try:
        if not decide(request, policies.documents, None, caller.account).allowed:
            return False
        return policies.boundary is None or evaluate(policies.boundary, request) is Effect.ALLOW
    except UnsupportedConditionError:
        return False  # a condition we cannot evaluate never grants


def rbac_role_arn(caller: Caller, environment: str, role: str) -> str:
    partition = caller.arn.split(":", 2)[1] if caller.arn.startswith("arn:") else "aws"
    return f"arn:{partition}:airflow:{caller.region}:{caller.account}:role/{environment}/{role}"


def web_login_role(caller: Caller, environment: str, policies: Policies | None = None) -> str | None:
    """The most privileged Airflow role whose ``airflow:CreateWebLoginToken`` the caller is allowed; None: none."""
    policies = identity_policies(caller) if policies is None else policies
    return next((role for role in AIRFLOW_ROLES
                 if allowed(caller, policies, "airflow:CreateWebLoginToken", rbac_role_arn(caller, environment, role))),
                None)


def web_role(caller: Caller, environment: str) -> str:
    """The Airflow role of a web login token for ``caller``; AccessDeniedException when no role is allowed."""
    from mwaa_local.mwaa.errors import AccessDeniedException

    policies = identity_policies(caller)
    role = web_login_role(caller, environment, policies)
    _log.info("CreateWebLoginToken %s by %s (%s): Airflow role %s", environment, caller.arn, policies.source, role)
    if role is None:
        raise AccessDeniedException(
            f"User: {caller.arn} is not authorized to perform: airflow:CreateWebLoginToken on resource: "
            f"{rbac_role_arn(caller, environment, '*')} (no identity-based policy allows any Airflow role)")
    return role


def cli_role(caller: Caller, environment: str, environment_arn: str) -> str:
    """The role carried by a CLI token; AccessDeniedException unless ``airflow:CreateCliToken`` is allowed.

    MWAA authorizes the CLI on the environment resource only and applies no Airflow RBAC to CLI commands
    (the endpoint's command allowlist is the limit), so an allowed caller's CLI token acts as Admin.
    """
    from mwaa_local.mwaa.errors import AccessDeniedException

    if not allowed(caller, identity_policies(caller), "airflow:CreateCliToken", environment_arn):
        raise AccessDeniedException(f"User: {caller.arn} is not authorized to perform: airflow:CreateCliToken on "
                                    f"resource: {environment_arn}")
    return "Admin"
