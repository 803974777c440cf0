"""Strategies and checks shared by the fuzz tests: JSON values, mutations of a valid document, secrets, AWS calls."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import strategies as st

# Fed into every input in fields that carry secrets; must never reach a log line or the CLI's output.
SECRET = "fuzz-s3cr3t-Qx7LwVb2nT"
SECRET_KEYS = ("password", "token", "secret", "task_token", "x-amzn-oidc-data", "x-amzn-oidc-accesstoken",
               "Authorization", "fernet_key", "SecretString")
READ_ONLY = ("Describe", "Get", "List", "Head")

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=24))


def json_values(keys: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Any JSON value; object keys are drawn partly from ``keys`` so nested shapes get exercised."""
    key = st.sampled_from(keys) | st.text(max_size=10) if keys else st.text(max_size=10)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(key, inner, max_size=5), max_leaves=16)


def json_objects(keys: tuple[str, ...] = ()) -> st.SearchStrategy[dict[str, Any]]:
    key = st.sampled_from(keys) | st.text(max_size=10) if keys else st.text(max_size=10)
    return st.dictionaries(key, json_values(keys), max_size=6)


def _slots(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) for every value inside ``doc``."""
    found: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for k, v in items:
            found.append((node, k))
            stack.append(v)
    return found


@st.composite
def mutations(draw: st.DrawFn, valid: Any, keys: tuple[str, ...] = ()) -> Any:
    """``valid`` with 1-4 edits: a value deleted, replaced by any JSON value, or a secret field added."""
    doc = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(doc)
        action = draw(st.sampled_from(["delete", "replace", "secret"]))
        if not slots or action == "secret":
            targets = [doc, *[c[k] for c, k in slots if isinstance(c[k], dict)]] if isinstance(doc, dict) else []
            if targets:
                draw(st.sampled_from(targets))[draw(st.sampled_from(SECRET_KEYS))] = SECRET
            continue
        container, key = draw(st.sampled_from(slots))
        if action == "delete":
            del container[key]
        else:
            container[key] = draw(json_values(keys))
    return doc


@st.composite
def field_swaps(draw: st.DrawFn, valid: dict[str, Any], keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """``valid`` with one field of it (or of an object directly inside it) swapped for any JSON value: the
    shallow edits that random mutations of a deep document reach only rarely."""
    doc = copy.deepcopy(valid)
    target = draw(st.sampled_from([doc, *[v for v in doc.values() if isinstance(v, dict) and v]]))
    target[draw(st.sampled_from(sorted(target)))] = draw(st.one_of(scalars, st.lists(scalars, max_size=3),
                                                                   json_values(keys)))
    return doc


@st.composite
def with_secrets(draw: st.DrawFn, doc: Any) -> Any:
    """``doc`` with a secret-named field holding SECRET added to some of its objects."""
    doc = copy.deepcopy(doc)
    objects = [doc] if isinstance(doc, dict) else []
    objects += [c[k] for c, k in _slots(doc) if isinstance(c[k], dict)]
    for target in objects:
        if draw(st.booleans()):
            target[draw(st.sampled_from(SECRET_KEYS))] = SECRET
    return doc


def file_contents(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """What a user may pass as a JSON file: documents, broken or deeply nested text, non-UTF-8 bytes."""
    return st.one_of(documents.map(lambda d: json.dumps(d).encode()), st.text(max_size=60).map(str.encode),
                     st.binary(max_size=40), st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
                     st.just(b"\xef\xbb\xbf{}"), st.just(b""))


@dataclass
class AwsCalls:
    """Stands in for every boto3 client: records (service, operation) and answers from ``responses``.

    An operation without a canned response fails as AWS would (AccessDenied), so code that reaches AWS
    takes its error path instead of the network.
    """

    responses: dict[str, Any] = field(default_factory=dict)  # operation -> response or fn(params)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def answer(self, client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((client.meta.service_model.service_name, operation))
        if operation in self.responses:
            answer = self.responses[operation]
            return answer(params) if callable(answer) else copy.deepcopy(answer)
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "fuzz: no AWS here"}}, operation)

    def mutating(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if not c[1].startswith(READ_ONLY)]

    def reset(self) -> None:
        self.calls.clear()
