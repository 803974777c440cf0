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
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree

from mwaa_platform.tooling.provider_schemas import BlockSchema, ProviderSchema, load_aws5, load_aws6

__all__ = ["Finding", "GateResult", "ProviderSchema", "check_files", "load_aws5", "load_aws6", "main", "tf_files"]

RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
PROVIDER_META = frozenset({"alias", "version"})
DYNAMIC_ARGS = frozenset({"for_each", "iterator", "labels"})


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
