"""A test double of the Kubernetes API server: just enough REST for the bootstrap's create-or-patch.

A TEST TOOL, not a feature: there is no real API server on these machines. It speaks the v1 REST paths for
Namespaces, ServiceAccounts, Roles and RoleBindings with the semantics the bootstrap depends on:

- GET item -> 200 or 404 NotFound (a Status object); GET collection -> a List.
- POST collection -> 201, 409 AlreadyExists, 404 when the namespace does not exist, 400 when the body's kind,
  apiVersion or namespace do not match the path, 422 Invalid for a bad name.
- PATCH item with application/strategic-merge-patch+json or application/merge-patch+json -> 200 (maps merge,
  lists replace, null deletes: exact for these kinds, whose lists have no merge keys); json-patch -> 415;
  a RoleBinding roleRef change -> 422 Invalid, as the real server says "cannot change roleRef".
- DELETE item -> 200 (a Namespace goes to phase Terminating and stays, like one with finalizers).
- resourceVersion only moves when an object really changes.
- Every request needs ``Authorization: Bearer k8s-aws-v1.<base64url>`` that decodes to a presigned STS
  GetCallerIdentity URL signing ``x-k8s-aws-id`` = the cluster name (else 401). With ``sts_check`` the double
  also does what EKS's authenticator does: calls that URL (here: the emulator's STS) and records the ARN.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

RBAC = "rbac.authorization.k8s.io"
_ARN = re.compile(r"<Arn>([^<]+)</Arn>")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")

# path resource -> (kind, apiVersion, namespaced)
_RESOURCES = {
    ("", "namespaces"): ("Namespace", "v1", False),
    ("", "serviceaccounts"): ("ServiceAccount", "v1", True),
    (RBAC, "roles"): ("Role", f"{RBAC}/v1", True),
    (RBAC, "rolebindings"): ("RoleBinding", f"{RBAC}/v1", True),
}


class _ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "details": details or {}, "code": code}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 merge (also the strategic merge for these kinds: no list has a merge key)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class ApiServerDouble:
    """Start with :meth:`start` (or as a context manager); ``url`` is the server; ``requests`` the log."""

    def __init__(self, cluster_name: str, sts_check: bool = False) -> None:
        self.cluster_name = cluster_name
        self.sts_check = sts_check
        self.objects: dict[tuple[str, str | None, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.identities: list[str] = []
        self.fail_next: list[tuple[str, int]] = []  # (method, status) injected once, e.g. a 409 race
        self.before_post: Callable[[ApiServerDouble, str], None] | None = None
        self._lock = threading.RLock()
        self._versions = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> ApiServerDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _handle(self) -> None:
                double._serve(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> ApiServerDouble:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- inspection --------------------------------------------------------------------------------------
    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            found = self.objects.get((kind, namespace, name))
            return copy.deepcopy(found) if found else None

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    def put_object(self, doc: dict[str, Any]) -> None:
        """Seed an object directly (as if someone else had created it)."""
        with self._lock:
            meta = doc["metadata"]
            self.objects[(doc["kind"], meta.get("namespace"), meta["name"])] = self._stamp(copy.deepcopy(doc))

    # -- HTTP --------------------------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        path = urlsplit(handler.path).path
        with self._lock:
            self.requests.append((method, path))
        try:
            self._authenticate(handler.headers.get("Authorization", ""))
            length = int(handler.headers.get("Content-Length") or 0)
            body = json.loads(handler.rfile.read(length) or b"null") if length else None
            with self._lock:
                for index, (fail_method, code) in enumerate(self.fail_next):
                    if fail_method == method:
                        del self.fail_next[index]
                        raise _ApiError(code, "AlreadyExists" if code == 409 else "InternalError",
                                        f"injected {code}")
                code, payload = self._dispatch(method, path, handler.headers.get("Content-Type", ""), body)
        except _ApiError as err:
            code, payload = err.code, _status(err.code, err.reason, err.message, err.details)
        except ValueError:
            code, payload = 400, _status(400, "BadRequest", "request body is not JSON")
        data = json.dumps(payload).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _authenticate(self, header: str) -> None:
        unauthorized = _ApiError(401, "Unauthorized", "Unauthorized")
        if not header.startswith("Bearer k8s-aws-v1."):
            raise unauthorized
        body = header[len("Bearer k8s-aws-v1."):]
        if "=" in body:
            raise unauthorized  # EKS tokens are unpadded base64url
        try:
            url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        except ValueError:
            raise unauthorized from None
        query = parse_qs(urlsplit(url).query)
        if (query.get("Action") != ["GetCallerIdentity"] or query.get("X-Amz-Expires") != ["60"]
                or "x-k8s-aws-id" not in query.get("X-Amz-SignedHeaders", [""])[0].split(";")):
            raise unauthorized
        if self.sts_check:
            response = requests.get(url, headers={"x-k8s-aws-id": self.cluster_name}, timeout=10)
            if response.status_code != 200:
                raise unauthorized
            arn = _ARN.search(response.text)
            if not arn:
                raise unauthorized
            with self._lock:
                self.identities.append(arn.group(1))

    def _route(self, path: str) -> tuple[str, str, bool, str | None, str | None]:
        """-> kind, apiVersion, namespaced, namespace, name (None for a collection)."""
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v1"]:
            group, rest = "", parts[2:]
        elif parts[:3] == ["apis", RBAC, "v1"]:
            group, rest = RBAC, parts[3:]
        else:
            raise _ApiError(404, "NotFound", f"the server could not find the requested resource ({path})")
        namespace = None
        if group == "" and rest[:1] == ["namespaces"] and len(rest) <= 2:
            resource, name = "namespaces", (rest[1] if len(rest) == 2 else None)
        elif rest[:1] == ["namespaces"] and len(rest) in (3, 4):
            namespace, resource, name = rest[1], rest[2], (rest[3] if len(rest) == 4 else None)
        else:
            raise _ApiError(404, "NotFound", f"the server could not find the requested resource ({path})")
        if (group, resource) not in _RESOURCES:
            raise _ApiError(404, "NotFound", f"the server could not find the requested resource ({path})")
        kind, api_version, namespaced = _RESOURCES[(group, resource)]
        return kind, api_version, namespaced, namespace, name

    def _stamp(self, doc: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
        meta = doc.setdefault("metadata", {})
        if old:
            for key in ("uid", "creationTimestamp"):
                meta[key] = old["metadata"][key]
        else:
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta["resourceVersion"] = str(next(self._versions))
        if doc["kind"] == "Namespace":
            doc.setdefault("spec", {"finalizers": ["kubernetes"]})
            doc.setdefault("status", {"phase": "Active"})
        return doc

    def _dispatch(self, method: str, path: str, content_type: str, body: Any) -> tuple[int, dict[str, Any]]:
        kind, api_version, namespaced, namespace, name = self._route(path)
        key = (kind, namespace, name)
        not_found = _ApiError(404, "NotFound", f'{kind.lower()}s "{name}" not found', name=name, kind=kind.lower())
        if name is None:
            if method == "GET":
                items = [copy.deepcopy(o) for (k, ns, _), o in sorted(self.objects.items(), key=lambda i: str(i[0]))
                         if k == kind and (not namespaced or ns == namespace)]
                return 200, {"kind": f"{kind}List", "apiVersion": api_version, "metadata": {}, "items": items}
            if method == "POST":
                return self._create(kind, api_version, namespaced, namespace, body)
            raise _ApiError(405, "MethodNotAllowed", f"{method} is not allowed on a collection")
        if method == "GET":
            if key not in self.objects:
                raise not_found
            return 200, copy.deepcopy(self.objects[key])
        if method == "PATCH":
            if key not in self.objects:
                raise not_found
            if content_type not in ("application/strategic-merge-patch+json", "application/merge-patch+json"):
                raise _ApiError(415, "UnsupportedMediaType", f"the double does not speak {content_type!r}")
            old = self.objects[key]
            new = merge_patch(old, body)
            if kind == "RoleBinding" and new.get("roleRef") != old.get("roleRef"):
                raise _ApiError(422, "Invalid", f'RoleBinding.rbac.authorization.k8s.io "{name}" is invalid: '
                                                "roleRef: Invalid value: cannot change roleRef")
            if new.get("metadata", {}).get("name") != name:
                raise _ApiError(400, "BadRequest", "metadata.name cannot be changed")
            comparable = {k: v for k, v in new.items() if k != "metadata"}, {
                k: v for k, v in new["metadata"].items() if k != "resourceVersion"}
            before = {k: v for k, v in old.items() if k != "metadata"}, {
                k: v for k, v in old["metadata"].items() if k != "resourceVersion"}
            if comparable != before:  # a no-op patch leaves resourceVersion alone, like the real server
                self.objects[key] = self._stamp(new, old)
            return 200, copy.deepcopy(self.objects[key])
        if method == "DELETE":
            if key not in self.objects:
                raise not_found
            if kind == "Namespace":
                self.objects[key]["status"] = {"phase": "Terminating"}
                return 200, copy.deepcopy(self.objects[key])
            removed = self.objects.pop(key)
            return 200, removed
        raise _ApiError(405, "MethodNotAllowed", f"{method} is not supported by the double")

    def _create(self, kind: str, api_version: str, namespaced: bool, namespace: str | None,
                body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or body.get("kind") != kind or body.get("apiVersion") != api_version:
            raise _ApiError(400, "BadRequest", f"the body must be a {api_version} {kind}")
        meta = body.get("metadata") or {}
        name = meta.get("name")
        if not isinstance(name, str) or not _NAME.match(name) or len(name) > 253:
            raise _ApiError(422, "Invalid", f"{kind} {name!r} is invalid: metadata.name must be an RFC 1123 name")
        if namespaced:
            if meta.get("namespace") not in (None, namespace):
                raise _ApiError(400, "BadRequest", "the namespace of the object does not match the request")
            ns = self.objects.get(("Namespace", None, namespace or ""))
            if ns is None:
                raise _ApiError(404, "NotFound", f'namespaces "{namespace}" not found', name=namespace,
                                kind="namespaces")
            if ns["status"]["phase"] == "Terminating":
                raise _ApiError(403, "Forbidden", f"unable to create new content in namespace {namespace} because "
                                                  "it is being terminated")
            body = merge_patch(body, {"metadata": {"namespace": namespace}})
        key = (kind, namespace if namespaced else None, name)
        if self.before_post:
            self.before_post(self, name)
        if key in self.objects:
            raise _ApiError(409, "AlreadyExists", f'{kind.lower()}s "{name}" already exists', name=name,
                            kind=kind.lower())
        self.objects[key] = self._stamp(copy.deepcopy(body))
        return 201, copy.deepcopy(self.objects[key])
