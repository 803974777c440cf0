"""What the bootstrap creates, read from Terraform: the eks-irsa module's ``k8s_bootstrap`` output.

Accepted input is ``terraform output -json`` of a root that re-exports the module output (``{"k8s_bootstrap":
{"value": {...}, "type": ..., "sensitive": false}}``), or the bare value. Everything is validated before any
call to the cluster, so a malformed document changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DEFAULT_OUTPUT_NAME = "k8s_bootstrap"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_GROUP = re.compile(r"^[a-z0-9][-a-z0-9.:]{0,62}$")


class SpecError(ValueError):
    """The Terraform outputs do not describe a valid bootstrap (the message names the field)."""


@dataclass(frozen=True)
class ServiceAccount:
    key: str
    namespace: str
    name: str
    role_arn: str


@dataclass(frozen=True)
class MwaaAccess:
    namespace: str
    kubernetes_group: str
    principal_arn: str


@dataclass(frozen=True)
class BootstrapSpec:
    cluster_name: str
    region: str
    namespaces: tuple[str, ...]
    service_accounts: tuple[ServiceAccount, ...]
    mwaa: MwaaAccess | None


def _shown(value: Any) -> str:
    """A rejected value fit for an error message: a short string as itself, anything else by its type only
    (an object or list from the outputs file may carry other outputs' values, sensitive ones included)."""
    return repr(value[:80]) if isinstance(value, str) else f"a JSON {type(value).__name__}"


def _str(doc: dict[str, Any], key: str, where: str, pattern: re.Pattern[str], hint: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not pattern.match(value):
        raise SpecError(f"{where}.{key} must be {hint}, got {_shown(value)}")
    return value


def parse(doc: Any, output_name: str = DEFAULT_OUTPUT_NAME) -> BootstrapSpec:
    """A validated :class:`BootstrapSpec` from ``terraform output -json`` (or the bare output value)."""
    if not isinstance(doc, dict):
        raise SpecError("Terraform outputs must be a JSON object")
    if output_name in doc:
        wrapped = doc[output_name]
        doc = wrapped.get("value") if isinstance(wrapped, dict) and "value" in wrapped else wrapped
    elif "cluster_name" not in doc:
        raise SpecError(f"no output named {output_name!r} (outputs: {', '.join(sorted(doc)) or 'none'}); "
                        "pass --output-name or re-export the eks-irsa module's k8s_bootstrap output")
    if not isinstance(doc, dict):
        raise SpecError(f"output {output_name!r} is null: the module was applied with create = false")

    where = output_name
    cluster_name = _str(doc, "cluster_name", where, _CLUSTER_NAME, "an EKS cluster name")
    region = _str(doc, "region", where, _REGION, "an AWS region such as us-east-1")

    raw_namespaces = doc.get("namespaces") or []
    if not isinstance(raw_namespaces, list):
        raise SpecError(f"{where}.namespaces must be a list")
    namespaces: list[str] = []
    for ns in raw_namespaces:
        if not isinstance(ns, str) or not _DNS_LABEL.match(ns):
            raise SpecError(f"{where}.namespaces: {_shown(ns)} is not a namespace name (RFC 1123 label)")
        namespaces.append(ns)

    raw_accounts = doc.get("service_accounts") or {}
    if not isinstance(raw_accounts, dict):
        raise SpecError(f"{where}.service_accounts must be an object keyed by role name")
    accounts: list[ServiceAccount] = []
    seen: set[tuple[str, str]] = set()
    for key in sorted(raw_accounts):
        item = raw_accounts[key]
        at = f"{where}.service_accounts[{key!r}]"
        if not isinstance(item, dict):
            raise SpecError(f"{at} must be an object with namespace, service_account and role_arn")
        ns = _str(item, "namespace", at, _DNS_LABEL, "a namespace name (RFC 1123 label)")
        name = _str(item, "service_account", at, _DNS_SUBDOMAIN, "a service account name (RFC 1123 subdomain)")
        role_arn = _str(item, "role_arn", at, _ROLE_ARN, "an IAM role ARN")
        if (ns, name) in seen:
            raise SpecError(f"{at}: {ns}/{name} appears twice; a service account carries one role ARN")
        seen.add((ns, name))
        accounts.append(ServiceAccount(key, ns, name, role_arn))

    mwaa = None
    raw_mwaa = doc.get("mwaa")
    if raw_mwaa is not None:
        if not isinstance(raw_mwaa, dict):
            raise SpecError(f"{where}.mwaa must be an object or null")
        at = f"{where}.mwaa"
        group = _str(raw_mwaa, "kubernetes_group", at, _GROUP, "a Kubernetes group name")
        if group.startswith("system:"):
            raise SpecError(f"{at}.kubernetes_group {group!r} is reserved (system:*); MWAA never gets system groups")
        mwaa = MwaaAccess(
            namespace=_str(raw_mwaa, "namespace", at, _DNS_LABEL, "a namespace name (RFC 1123 label)"),
            kubernetes_group=group,
            principal_arn=_str(raw_mwaa, "principal_arn", at, _ROLE_ARN, "an IAM role ARN"),
        )

    # Every object needs its namespace: add the ones only referenced, keep the declared order stable.
    for ns in [a.namespace for a in accounts] + ([mwaa.namespace] if mwaa else []):
        if ns not in namespaces:
            namespaces.append(ns)
    if not namespaces:
        raise SpecError(f"{where} names no namespace, service account or MWAA access: nothing to bootstrap")
    return BootstrapSpec(cluster_name, region, tuple(sorted(namespaces)), tuple(accounts), mwaa)


def loads(text: str, output_name: str = DEFAULT_OUTPUT_NAME) -> BootstrapSpec:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise SpecError(f"Terraform outputs are not JSON: {exc}") from exc
    except RecursionError:
        raise SpecError("Terraform outputs nest too deeply to be Terraform outputs") from None
    return parse(doc, output_name)
