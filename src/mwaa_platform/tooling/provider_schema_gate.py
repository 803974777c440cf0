"""Offline two-schema gate: every argument we set is known to hashicorp/aws 5.100 *and* 6.x.

The modules declare ``hashicorp/aws >= 5.100, < 7.0``; `terraform validate` only checks the one provider
version installed (5.100.0 from the mirror). This gate parses every ``resource``/``data`` block under the given
paths with python-hcl2 and checks each argument and nested block name (``dynamic "x"`` counts as block ``x``;
``count``, ``for_each``, ``depends_on``, ``provider``, ``lifecycle``, ``provisioner``, ``connection`` are
Terraform's meta-arguments) against two schemas:

* 5.100.0: ``terraform providers schema -json`` from a throw-away directory initialised through the CLI
  config in ``TF_CLI_CONFIG_FILE`` (the filesystem mirror), cached under the cache directory;
* 6.x: the jsii assembly of the CDKTF prebuilt provider ``cdktf-cdktf-provider-aws==21.22.1`` (generated
  from hashicorp/aws 6.25.0), a published, versioned package on PyPI: its config structs list every
  argument and nested block of every resource and data source, each with a registry link whose anchor is
  the provider's own (snake_case) name. The wheel is fetched with ``pip download --no-deps`` (sha256 pinned
  below) and only a reduced schema is cached.

Run: ``python -m mwaa_platform.tooling.provider_schema_gate modules terraform``.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree

AWS5_VERSION = "5.100.0"
AWS6_PACKAGE = "cdktf-cdktf-provider-aws"
AWS6_PACKAGE_VERSION = "21.22.1"
AWS6_WHEEL = "cdktf_cdktf_provider_aws-21.22.1-py3-none-any.whl"
AWS6_WHEEL_SHA256 = "603c647c4de622ed0a2b5e0f1518d81a89b31eed84b67d23410840041e7df924"
PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
SCHEMA_FORMAT = 3  # bump when the reduced cache layout changes

RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
PROVIDER_META = frozenset({"alias", "version"})
DYNAMIC_ARGS = frozenset({"for_each", "iterator", "labels"})

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


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    kind: str  # "resource" | "data" | "provider"
    type_: str
    name: str
    what: str  # 'argument "x"', 'block "a.b"', 'resource type'
    schema: ProviderSchema

    def __str__(self) -> str:
        block = f'provider "{self.type_}"' if self.kind == "provider" else f'{self.kind} "{self.type_}" "{self.name}"'
        where = f"{self.path}:{self.line}: {block}"
        return f"{where}: {self.what} unknown to {self.schema.label} (schema from {self.schema.source})"


@dataclass
class GateResult:
    blocks_checked: int
    providers_checked: int
    findings: list[Finding]
    skipped_other_providers: int


# ---------------------------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------------------------
# Configuration walk
# ---------------------------------------------------------------------------------------------------------------
def _rule(node: Any) -> str | None:
    return str(node.data) if isinstance(node, Tree) else None


def _first_token(node: Tree) -> Token:
    for token in node.scan_values(lambda v: isinstance(v, Token)):
        return token
    raise ValueError(f"no token under {node.data}")


def _identifier(node: Tree) -> tuple[str, int]:
    # the first child names the attribute/block: an identifier, or a keyword such as for_each / in
    token = _first_token(node.children[0])
    return str(token), token.line or 0


def _labels(block: Tree) -> list[str]:
    labels: list[str] = []
    for child in block.children[1:]:
        rule = _rule(child)
        if rule == "string":
            labels.append("".join(str(t) for t in child.scan_values(lambda v: isinstance(v, Token))).strip('"'))
        elif rule == "identifier":
            labels.append(str(_first_token(child)))
        elif rule == "body":
            break
    return labels


def _body(block: Tree) -> Tree:
    return next(c for c in block.children if _rule(c) == "body")


def _items(body: Tree) -> Iterator[tuple[str, Tree]]:
    for child in body.children:
        rule = _rule(child)
        if rule in {"attribute", "block"}:
            yield rule, child


@dataclass
class _Ctx:
    path: Path
    kind: str
    type_: str
    name: str


def _check_body(
    body: Tree, schema: BlockSchema, where: str, ctx: _Ctx, provider: ProviderSchema, meta: frozenset[str] = frozenset()
) -> Iterator[Finding]:
    if schema.opaque:
        return
    for rule, node in _items(body):
        key, line = _identifier(node)
        if key in meta:
            continue
        dotted = f"{where}{key}"
        if rule == "attribute":
            if key not in schema.arguments:
                yield Finding(ctx.path, line, ctx.kind, ctx.type_, ctx.name, f'argument "{dotted}"', provider)
            continue
        if key == "dynamic":
            labels = _labels(node)
            label = labels[0] if labels else ""
            nested = schema.blocks.get(label)
            if nested is None:
                yield Finding(
                    ctx.path, line, ctx.kind, ctx.type_, ctx.name, f'block "{where}{label}" (dynamic)', provider
                )
                continue
            for inner_rule, inner in _items(_body(node)):
                inner_key, inner_line = _identifier(inner)
                if inner_rule == "block" and inner_key == "content":
                    yield from _check_body(_body(inner), nested, f"{where}{label}.", ctx, provider)
                elif inner_key not in DYNAMIC_ARGS:
                    yield Finding(
                        ctx.path,
                        inner_line,
                        ctx.kind,
                        ctx.type_,
                        ctx.name,
                        f'dynamic "{label}" argument "{inner_key}"',
                        provider,
                    )
            continue
        nested = schema.blocks.get(key)
        if nested is None:
            yield Finding(ctx.path, line, ctx.kind, ctx.type_, ctx.name, f'block "{dotted}"', provider)
            continue
        yield from _check_body(_body(node), nested, f"{dotted}.", ctx, provider)


def tf_files(paths: Iterable[Path]) -> list[Path]:
    files: set[Path] = set()
    for path in paths:
        if path.is_file():
            files.add(path)
            continue
        files.update(p for p in path.rglob("*.tf") if ".terraform" not in p.parts)
    return sorted(files)


def check_files(
    files: Iterable[Path], schemas: Iterable[ProviderSchema], relative_to: Path | None = None
) -> GateResult:
    """Check every aws_* resource/data block of ``files`` against each schema."""
    schemas = list(schemas)
    findings: list[Finding] = []
    checked = providers = other = 0
    for file in files:
        shown = file.relative_to(relative_to) if relative_to and file.is_relative_to(relative_to) else file
        tree = hcl2.parses_to_tree(file.read_text())
        top_body = next(c for c in tree.children if _rule(c) == "body")
        for rule, node in _items(top_body):
            kind, line = _identifier(node)
            if rule != "block" or kind not in {"resource", "data", "provider"}:
                continue
            labels = _labels(node)
            if kind == "provider" and labels == ["aws"]:
                type_, name, meta = "aws", "", PROVIDER_META
                providers += 1
            elif kind != "provider" and len(labels) == 2 and labels[0].startswith("aws_"):
                type_, name = labels
                meta = RESOURCE_META
                checked += 1
            else:
                other += 1
                continue
            ctx = _Ctx(shown, kind, type_, name)
            for provider in schemas:
                block_schema = provider.kind(kind).get(type_)
                if block_schema is None:
                    findings.append(Finding(shown, line, kind, type_, name, f"{kind} type", provider))
                    continue
                findings.extend(_check_body(_body(node), block_schema, "", ctx, provider, meta))
    return GateResult(checked, providers, findings, other)


def default_cache_dir() -> Path:
    return Path(os.environ.get("MWAA_PLATFORM_STATE", ".state")) / "provider-schemas"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("modules"), Path("terraform")])
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="schema cache (default $MWAA_PLATFORM_STATE/provider-schemas)"
    )
    args = parser.parse_args(argv)
    cache_dir = args.cache_dir or default_cache_dir()
    schemas = [load_aws5(cache_dir), load_aws6(cache_dir)]
    result = check_files(tf_files(args.paths), schemas, relative_to=Path.cwd())
    for finding in result.findings:
        print(finding)
    versions = " and ".join(f"{s.version}" for s in schemas)
    print(
        f"schema gate: {result.blocks_checked} resource/data blocks checked against aws {versions}: "
        f"{len(result.findings)} unknown ({result.providers_checked} provider blocks also checked, "
        f"{result.skipped_other_providers} blocks of other providers not checked)"
    )
    return 1 if result.findings else 0


if __name__ == "__main__":
    sys.exit(main())
