"""The two hashicorp/aws schemas the gate (:mod:`mwaa_platform.tooling.provider_schema_gate`) checks against,
reduced to argument and block names per resource and data source, and cached: 5.100.0 from ``terraform providers
schema -json`` through the CLI's filesystem mirror, 6.x from the jsii assembly of the CDKTF prebuilt provider
(a pinned wheel from PyPI)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AWS5_VERSION = "5.100.0"
AWS6_PACKAGE = "cdktf-cdktf-provider-aws"
AWS6_PACKAGE_VERSION = "21.22.1"
AWS6_WHEEL = "cdktf_cdktf_provider_aws-21.22.1-py3-none-any.whl"
AWS6_WHEEL_SHA256 = "603c647c4de622ed0a2b5e0f1518d81a89b31eed84b67d23410840041e7df924"
PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
SCHEMA_FORMAT = 3  # bump when the reduced cache layout changes

_LINK_ANCHOR = re.compile(r"\{@link \S+#([A-Za-z0-9_]+) ")
_REPRESENTS = re.compile(
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/(?P<version>[0-9.]+)/docs/"
    r"(?P<kind>resources|data-sources)/\S+ (?P<type>aws_[a-z0-9_]+)\}"
)


@dataclass
class BlockSchema:
    """The names one block accepts: arguments and nested blocks (each with its own schema)."""

    arguments: set[str] = field(default_factory=set)
    blocks: dict[str, BlockSchema] = field(default_factory=dict)
    # contents not described by the source (CDKTF types very deep blocks, e.g. QuickSight's, as "any")
    opaque: bool = False

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "a": sorted(self.arguments),
            "b": {k: v.to_json() for k, v in sorted(self.blocks.items())},
        }
        if self.opaque:
            doc["o"] = True
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> BlockSchema:
        return cls(set(doc["a"]), {k: cls.from_json(v) for k, v in doc["b"].items()}, bool(doc.get("o")))


@dataclass
class ProviderSchema:
    """One provider version: resource and data source schemas by type, and where they came from."""

    label: str  # "hashicorp/aws 6.x" etc., used in findings
    version: str
    source: str
    resources: dict[str, BlockSchema]
    data_sources: dict[str, BlockSchema]
    provider: BlockSchema  # the provider "aws" configuration block

    def kind(self, kind: str) -> dict[str, BlockSchema]:
        if kind == "provider":
            return {"aws": self.provider}
        return self.resources if kind == "resource" else self.data_sources

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SCHEMA_FORMAT,
            "label": self.label,
            "version": self.version,
            "source": self.source,
            "resource": {k: v.to_json() for k, v in sorted(self.resources.items())},
            "data": {k: v.to_json() for k, v in sorted(self.data_sources.items())},
            "provider": self.provider.to_json(),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ProviderSchema:
        return cls(
            doc["label"],
            doc["version"],
            doc["source"],
            {k: BlockSchema.from_json(v) for k, v in doc["resource"].items()},
            {k: BlockSchema.from_json(v) for k, v in doc["data"].items()},
            BlockSchema.from_json(doc["provider"]),
        )


def _load_cached(path: Path) -> ProviderSchema | None:
    if not path.is_file():
        return None
    doc = json.loads(path.read_text())
    return ProviderSchema.from_json(doc) if doc.get("format") == SCHEMA_FORMAT else None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _tf_block(doc: Mapping[str, Any]) -> BlockSchema:
    """Terraform's JSON block schema -> the names a configuration may set (computed-only attributes excluded)."""
    arguments = {
        name for name, attr in doc.get("attributes", {}).items() if attr.get("optional") or attr.get("required")
    }
    blocks = {name: _tf_block(nested["block"]) for name, nested in doc.get("block_types", {}).items()}
    return BlockSchema(arguments, blocks)


def aws5_from_terraform_json(doc: Mapping[str, Any]) -> ProviderSchema:
    provider = doc["provider_schemas"][PROVIDER_ADDRESS]
    return ProviderSchema(
        label=f"hashicorp/aws {AWS5_VERSION}",
        version=AWS5_VERSION,
        source="terraform providers schema -json",
        resources={k: _tf_block(v["block"]) for k, v in provider.get("resource_schemas", {}).items()},
        data_sources={k: _tf_block(v["block"]) for k, v in provider.get("data_source_schemas", {}).items()},
        provider=_tf_block(provider["provider"]["block"]),
    )


def load_aws5(cache_dir: Path) -> ProviderSchema:
    """5.100.0's schema from ``terraform providers schema -json`` (run once, then cached)."""
    reduced = cache_dir / f"aws-{AWS5_VERSION}.reduced.json"
    cached = _load_cached(reduced)
    if cached is not None:
        return cached
    full = cache_dir / f"aws-{AWS5_VERSION}.json"
    if not full.is_file():
        terraform = shutil.which("terraform")
        if terraform is None:
            raise RuntimeError("terraform is not on PATH (needed once to produce the 5.100 provider schema)")
        with tempfile.TemporaryDirectory(prefix="schema-gate-") as tmp:
            Path(tmp, "versions.tf").write_text(
                'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
                f'      version = "{AWS5_VERSION}"\n    }}\n  }}\n}}\n'
            )
            env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_DATA_DIR": str(Path(tmp, ".terraform"))}
            subprocess.run(
                [terraform, "init", "-backend=false", "-input=false", "-no-color"],
                cwd=tmp,
                env=env,
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            )
            out = subprocess.run(
                [terraform, "providers", "schema", "-json"],
                cwd=tmp,
                env=env,
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            ).stdout
        _write_atomic(full, out)
    schema = aws5_from_terraform_json(json.loads(full.read_text()))
    _write_atomic(reduced, json.dumps(schema.to_json()))
    return schema


def _struct_fqns(type_ref: Mapping[str, Any]) -> Iterator[str]:
    """Every struct fqn a jsii type reference can hold (plain, in a collection or in a union)."""
    if "fqn" in type_ref:
        yield type_ref["fqn"]
    if "collection" in type_ref:
        yield from _struct_fqns(type_ref["collection"]["elementtype"])
    for member in type_ref.get("union", {}).get("types", []):
        yield from _struct_fqns(member)


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()


def _jsii_struct(types: Mapping[str, Any], fqn: str, seen: frozenset[str] = frozenset()) -> BlockSchema:
    schema = BlockSchema()
    for prop in types[fqn].get("properties", []):
        docs = prop.get("docs", {})
        anchor = _LINK_ANCHOR.search(docs.get("summary", "") + " " + docs.get("remarks", ""))
        name = anchor.group(1) if anchor else _snake(prop["name"])
        schema.arguments.add(name)
        if prop["type"] == {"primitive": "any"}:
            schema.blocks[name] = BlockSchema(opaque=True)
        for nested in _struct_fqns(prop["type"]):
            nested_type = types.get(nested, {})
            if nested_type.get("datatype") and nested_type.get("kind") == "interface" and nested not in seen:
                schema.blocks[name] = _jsii_struct(types, nested, seen | {fqn})
    return schema


def aws6_from_jsii(assembly: Mapping[str, Any]) -> ProviderSchema:
    """The argument sets of every resource/data source class of the CDKTF prebuilt provider's assembly."""
    types: Mapping[str, Any] = assembly["types"]
    resources: dict[str, BlockSchema] = {}
    data_sources: dict[str, BlockSchema] = {}
    versions: set[str] = set()
    for spec in types.values():
        if spec.get("kind") != "class":
            continue
        match = _REPRESENTS.search(spec.get("docs", {}).get("summary", ""))
        if match is None:
            continue
        params = spec.get("initializer", {}).get("parameters", [])
        config = next((p["type"]["fqn"] for p in params if p["name"] == "config" and "fqn" in p["type"]), None)
        if config is None:
            continue
        versions.add(match["version"])
        target = resources if match["kind"] == "resources" else data_sources
        target[match["type"]] = _jsii_struct(types, config)
    if len(versions) != 1:
        raise RuntimeError(f"{AWS6_PACKAGE} {AWS6_PACKAGE_VERSION}: expected one provider version, found {versions}")
    version = versions.pop()
    return ProviderSchema(
        label=f"hashicorp/aws {version.split('.')[0]}.x",
        version=version,
        source=f"{AWS6_PACKAGE}=={AWS6_PACKAGE_VERSION}",
        resources=resources,
        data_sources=data_sources,
        provider=_jsii_struct(types, "@cdktf/provider-aws.provider.AwsProviderConfig"),
    )


def _pip_command() -> list[str]:
    state = Path(os.environ.get("MWAA_PLATFORM_STATE", ".state"))
    tools_pip = state / "tools" / "bin" / "pip"
    if tools_pip.is_file():
        return [str(tools_pip)]
    found = shutil.which("pip3") or shutil.which("pip")
    return [found] if found else [sys.executable, "-m", "pip"]


def fetch_aws6_wheel(cache_dir: Path) -> Path:
    """The pinned wheel (``pip download --no-deps``), verified against its sha256."""
    wheel = cache_dir / AWS6_WHEEL
    if not wheel.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *_pip_command(),
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                f"{AWS6_PACKAGE}=={AWS6_PACKAGE_VERSION}",
                "-d",
                str(cache_dir),
            ],
            check=True,
            timeout=900,
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != AWS6_WHEEL_SHA256:
        raise RuntimeError(f"{wheel}: sha256 {digest} is not the pinned {AWS6_WHEEL_SHA256}")
    return wheel


def read_jsii_assembly(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as zf:
        member = next(n for n in zf.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(zf.read(member)), mode="r:gz") as tgz:
            handle = tgz.extractfile("package/.jsii")
            if handle is None:
                raise RuntimeError(f"{wheel}:{member} has no package/.jsii")
            return json.load(handle)


def load_aws6(cache_dir: Path) -> ProviderSchema:
    """6.x's argument sets from the pinned CDKTF prebuilt provider (fetched and reduced once, then cached)."""
    reduced = cache_dir / f"aws-6.x.{AWS6_PACKAGE}-{AWS6_PACKAGE_VERSION}.reduced.json"
    cached = _load_cached(reduced)
    if cached is not None:
        return cached
    schema = aws6_from_jsii(read_jsii_assembly(fetch_aws6_wheel(cache_dir)))
    _write_atomic(reduced, json.dumps(schema.to_json()))
    return schema
