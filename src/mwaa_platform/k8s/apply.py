"""Idempotent create-or-patch of the bootstrap manifests with the ``kubernetes`` client's typed APIs.

For each manifest: read it; absent (404) -> create (a 409 from a concurrent creator falls back to patch);
present -> compare only the fields we manage (our labels and annotations, and the body fields we set) and
patch with a strategic-merge patch when they differ, or leave it alone. A RoleBinding whose roleRef changed
is deleted and re-created, because the API server treats roleRef as immutable. A second run changes nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from mwaa_platform.k8s.manifests import describe

REQUEST_TIMEOUT = (5, 30)  # connect, read (seconds)


class ApplyError(RuntimeError):
    """The API server refused a manifest; the message names the object and the server's reason."""


@dataclass(frozen=True)
class Outcome:
    target: str
    action: str  # created | patched | replaced | unchanged
    fields: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Kind:
    api: Callable[[k8s.ApiClient], Any]
    suffix: str  # read_<suffix>, create_<suffix>, ...
    namespaced: bool


_KINDS: dict[tuple[str, str], _Kind] = {
    ("v1", "Namespace"): _Kind(k8s.CoreV1Api, "namespace", namespaced=False),
    ("v1", "ServiceAccount"): _Kind(k8s.CoreV1Api, "namespaced_service_account", namespaced=True),
    ("rbac.authorization.k8s.io/v1", "Role"): _Kind(k8s.RbacAuthorizationV1Api, "namespaced_role", namespaced=True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): _Kind(k8s.RbacAuthorizationV1Api, "namespaced_role_binding",
                                                          namespaced=True),
}
_IMMUTABLE = {"RoleBinding": ("roleRef",)}


def _reason(exc: ApiException) -> str:
    """Status code, reason and the server's Status message (never request headers, which carry the token)."""
    message = ""
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        message = json.loads(exc.body or "{}").get("message", "")
    return f"HTTP {exc.status} {exc.reason}" + (f": {message}" if message else "")


class _Target:
    def __init__(self, api_client: k8s.ApiClient, manifest: dict[str, Any]) -> None:
        key = (manifest.get("apiVersion", ""), manifest.get("kind", ""))
        if key not in _KINDS:
            raise ValueError(f"unsupported manifest kind {key[1]!r} ({key[0]!r}); supported: "
                             + ", ".join(kind for _, kind in _KINDS))
        self.kind = _KINDS[key]
        self.api = self.kind.api(api_client)
        self.api_client = api_client
        self.manifest = manifest
        meta = manifest.get("metadata") or {}
        self.name: str | None = meta.get("name")
        self.namespace: str = meta.get("namespace") or ""
        if not self.name or (self.kind.namespaced and not self.namespace):
            needed = "metadata.name and metadata.namespace" if self.kind.namespaced else "metadata.name"
            raise ValueError(f"{describe(manifest)}: {needed} required")

    def _ns(self) -> dict[str, str]:
        return {"namespace": self.namespace} if self.kind.namespaced else {}

    def read(self) -> dict[str, Any]:
        obj = getattr(self.api, f"read_{self.kind.suffix}")(name=self.name, _request_timeout=REQUEST_TIMEOUT,
                                                             **self._ns())
        doc: dict[str, Any] = self.api_client.sanitize_for_serialization(obj)
        return doc

    def create(self) -> None:
        getattr(self.api, f"create_{self.kind.suffix}")(body=self.manifest, _request_timeout=REQUEST_TIMEOUT,
                                                         **self._ns())

    def patch(self) -> None:
        # a dict body goes as application/strategic-merge-patch+json
        getattr(self.api, f"patch_{self.kind.suffix}")(name=self.name, body=self.manifest,
                                                        _request_timeout=REQUEST_TIMEOUT, **self._ns())

    def delete(self) -> None:
        getattr(self.api, f"delete_{self.kind.suffix}")(name=self.name, _request_timeout=REQUEST_TIMEOUT,
                                                         **self._ns())


def differences(desired: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Paths of the fields we manage whose live value differs (labels/annotations compared key by key)."""
    changed: list[str] = []
    want_meta = desired.get("metadata") or {}
    live_meta = live.get("metadata") or {}
    for section in ("labels", "annotations"):
        have = live_meta.get(section) or {}
        changed += [f"metadata.{section}.{key}" for key, value in (want_meta.get(section) or {}).items()
                    if have.get(key) != value]
    for key, value in desired.items():
        if key not in ("apiVersion", "kind", "metadata") and live.get(key) != value:
            changed.append(key)
    return changed


def create_or_patch(api_client: k8s.ApiClient, manifest: dict[str, Any]) -> Outcome:
    target = _Target(api_client, manifest)
    what = describe(manifest)
    try:
        try:
            live = target.read()
        except ApiException as exc:
            if exc.status != 404:
                raise
            try:
                target.create()
                return Outcome(what, "created")
            except ApiException as create_exc:
                if create_exc.status != 409:  # 409: created by someone else since our read; patch it
                    raise
                live = target.read()
        if manifest["kind"] == "Namespace" and (live.get("status") or {}).get("phase") == "Terminating":
            raise ApplyError(f"{what} is being deleted; run the bootstrap again once it is gone")
        changed = differences(manifest, live)
        if not changed:
            return Outcome(what, "unchanged")
        if any(f in changed for f in _IMMUTABLE.get(manifest["kind"], ())):
            target.delete()
            target.create()
            return Outcome(what, "replaced", tuple(changed))
        target.patch()
        return Outcome(what, "patched", tuple(changed))
    except ApiException as exc:
        raise ApplyError(f"{what}: {_reason(exc)}") from None


def apply_all(api_client: k8s.ApiClient, manifests: Iterable[dict[str, Any]],
              on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """create_or_patch every manifest in order; stops at the first refusal (ApplyError)."""
    outcomes = []
    for manifest in manifests:
        outcome = create_or_patch(api_client, manifest)
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes
