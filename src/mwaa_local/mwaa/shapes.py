"""Request routing and input validation driven by botocore's own MWAA service model.

The model (mwaa/2020-07-01/service-2.json, shipped with botocore) gives every operation's HTTP method and
URI template, where each input member lives (uri / querystring / body) and its constraints (required,
length, range, pattern, enum). Validation errors use the wording of AWS's request validation:
``1 validation error detected: Value 'x' at 'environmentClass' failed to satisfy constraint: ...``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from mwaa_local.mwaa.errors import ValidationException


@functools.cache
def model() -> dict[str, Any]:
    from botocore.loaders import Loader

    loaded: dict[str, Any] = Loader().load_service_model("mwaa", "service-2")
    return loaded


def shape(name: str) -> dict[str, Any]:
    found: dict[str, Any] = model()["shapes"][name]
    return found


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    segments: tuple[str, ...]  # "environments", "{Name}", ...
    input_shape: str | None


@functools.cache
def routes() -> tuple[Route, ...]:
    found = []
    for name, op in model()["operations"].items():
        uri = op["http"]["requestUri"].split("?")[0]
        segments = tuple(s for s in uri.split("/") if s)
        found.append(Route(name, op["http"]["method"], segments, op.get("input", {}).get("shape")))
    return tuple(found)


def match(method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    """The operation for ``method`` + ``raw_path`` (still percent-encoded) and its decoded URI labels."""
    parts = [unquote(p) for p in raw_path.split("?", maxsplit=1)[0].split("/") if p]
    for route in routes():
        if route.method != method or len(route.segments) != len(parts):
            continue
        labels: dict[str, str] = {}
        for template, value in zip(route.segments, parts, strict=True):
            if template.startswith("{") and template.endswith("}"):
                labels[template[1:-1].rstrip("+")] = value
            elif template != value:
                break
        else:
            return route, labels
    return None


def parse_input(route: Route, labels: dict[str, str], query: str, body: Any) -> dict[str, Any]:
    """Collect the operation's input members from the URI, the query string and the JSON body."""
    if route.input_shape is None:
        return {}
    members = shape(route.input_shape).get("members", {})
    params: dict[str, Any] = {}
    query_values = parse_qs(query, keep_blank_values=True)
    body = body if isinstance(body, dict) else {}
    for name, member in members.items():
        location = member.get("location")
        wire_name = member.get("locationName", name)
        if location == "uri":
            if wire_name in labels:
                params[name] = labels[wire_name]
        elif location == "querystring":
            if wire_name in query_values:
                target = shape(member["shape"])
                values = query_values[wire_name]
                if target["type"] == "list":
                    params[name] = values
                elif target["type"] == "integer":
                    try:
                        params[name] = int(values[0])
                    except ValueError:
                        params[name] = values[0]
                else:
                    params[name] = values[0]
        elif location is None and name in body:
            params[name] = body[name]
    return params


def validate(route: Route, params: dict[str, Any]) -> None:
    """Raise ValidationException listing every constraint ``params`` violates (AWS wording)."""
    if route.input_shape is None:
        return
    errors: list[str] = []
    _check_structure(shape(route.input_shape), params, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(errors))


def _member_path(prefix: str, name: str) -> str:
    camel = name[:1].lower() + name[1:]
    return f"{prefix}.{camel}" if prefix else camel


def _show(value: Any, sensitive: bool) -> str:
    if value is None:
        return "null"
    if sensitive:
        return "'***'"
    return f"'{value}'"


def _check_structure(struct: dict[str, Any], value: Any, path: str, errors: list[str]) -> None:
    members = struct.get("members", {})
    if not isinstance(value, dict):
        errors.append(f"Value at '{path or 'body'}' failed to satisfy constraint: Member must be a structure")
        return
    for required in struct.get("required", []):
        if value.get(required) is None:
            errors.append(f"Value null at '{_member_path(path, required)}' failed to satisfy constraint: "
                          "Member must not be null")
    for name, member in members.items():
        if value.get(name) is not None:
            _check_value(member["shape"], value[name], _member_path(path, name), errors)


def _fail(errors: list[str], value: Any, path: str, sensitive: bool, constraint: str) -> None:
    errors.append(f"Value {_show(value, sensitive)} at '{path}' failed to satisfy constraint: {constraint}")


def _check_value(shape_name: str, value: Any, path: str, errors: list[str]) -> None:
    spec = shape(shape_name)
    kind = spec["type"]
    sensitive = bool(spec.get("sensitive"))
    if spec.get("document"):
        return
    if kind == "structure":
        _check_structure(spec, value, path, errors)
    elif kind == "string":
        _check_string(spec, value, path, errors, sensitive)
    elif kind in ("integer", "long"):
        _check_integer(spec, value, path, errors)
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(errors, value, path, sensitive, "Member must be a number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            _fail(errors, value, path, sensitive, "Member must be a boolean")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            _fail(errors, value, path, sensitive, "Member must be a timestamp")
    elif kind == "list":
        _check_list(spec, value, path, errors, sensitive)
    elif kind == "map":
        _check_map(spec, value, path, errors, sensitive)


def _check_string(spec: dict[str, Any], value: Any, path: str, errors: list[str], sensitive: bool) -> None:
    if not isinstance(value, str):
        _fail(errors, value, path, sensitive, "Member must be a string")
        return
    if "min" in spec and len(value) < spec["min"]:
        _fail(errors, value, path, sensitive, f"Member must have length greater than or equal to {spec['min']}")
    if "max" in spec and len(value) > spec["max"]:
        _fail(errors, value, path, sensitive, f"Member must have length less than or equal to {spec['max']}")
    if "enum" in spec and value not in spec["enum"]:
        _fail(errors, value, path, sensitive, f"Member must satisfy enum value set: [{', '.join(spec['enum'])}]")
    if "pattern" in spec and not _matches(spec["pattern"], value):
        _fail(errors, value, path, sensitive, f"Member must satisfy regular expression pattern: {spec['pattern']}")


def _check_integer(spec: dict[str, Any], value: Any, path: str, errors: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(errors, value, path, False, "Member must be an integer")
        return
    if "min" in spec and value < spec["min"]:
        _fail(errors, value, path, False, f"Member must have value greater than or equal to {spec['min']}")
    if "max" in spec and value > spec["max"]:
        _fail(errors, value, path, False, f"Member must have value less than or equal to {spec['max']}")


def _check_list(spec: dict[str, Any], value: Any, path: str, errors: list[str], sensitive: bool) -> None:
    if not isinstance(value, list):
        _fail(errors, value, path, sensitive, "Member must be a list")
        return
    if "min" in spec and len(value) < spec["min"]:
        _fail(errors, value, path, sensitive, f"Member must have length greater than or equal to {spec['min']}")
    if "max" in spec and len(value) > spec["max"]:
        _fail(errors, value, path, sensitive, f"Member must have length less than or equal to {spec['max']}")
    for index, item in enumerate(value):
        if item is None:
            _fail(errors, item, f"{path}.{index + 1}.member", sensitive, "Member must not be null")
        else:
            _check_value(spec["member"]["shape"], item, f"{path}.{index + 1}.member", errors)


def _check_map(spec: dict[str, Any], value: Any, path: str, errors: list[str], sensitive: bool) -> None:
    if not isinstance(value, dict):
        _fail(errors, value, path, sensitive, "Member must be a map")
        return
    if "min" in spec and len(value) < spec["min"]:
        _fail(errors, value, path, sensitive, f"Member must have length greater than or equal to {spec['min']}")
    if "max" in spec and len(value) > spec["max"]:
        _fail(errors, value, path, sensitive, f"Member must have length less than or equal to {spec['max']}")
    for key, item in value.items():
        _check_value(spec["key"]["shape"], key, f"{path}.{key}.key", errors)
        if item is None:
            _fail(errors, item, f"{path}.{key}.value", sensitive, "Member must not be null")
        else:
            _check_value(spec["value"]["shape"], item, f"{path}.{key}.value", errors)


# Java's \p{L}, \p{Z}, \p{N} (Unicode letter, separator, number) have no equivalent in Python's `re`.
_UNICODE_CLASS = re.compile(r"^\^?\(\[\\p\{L\}\\p\{Z\}\\p\{N\}(?P<extra>.*)\]\*\)\$?$")


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(pattern: str, value: str) -> bool:
    unicode_class = _UNICODE_CLASS.match(pattern)
    if unicode_class:
        extra = unicode_class["extra"].replace("\\-", "-")
        return all(unicodedata.category(ch)[0] in "LZN" or ch in extra for ch in value)
    return _compiled(pattern).fullmatch(value) is not None
