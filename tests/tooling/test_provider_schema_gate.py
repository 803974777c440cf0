"""The two-schema gate (hashicorp/aws 5.100 and 6.x) finds what either version would reject, and nothing else.

The expected findings of the bad fixture are read from its ``# BAD(5,6)`` markers: each marked line must be
reported for exactly the versions it names.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_platform.tooling import provider_schema_gate as gate

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CACHE = Path(os.environ.get("MWAA_PLATFORM_STATE", REPO / ".state")) / "provider-schemas"
_MARK = re.compile(r"# BAD\(([56,]+)\)")


@pytest.fixture(scope="module")
def schemas() -> list[gate.ProviderSchema]:
    return [gate.load_aws5(CACHE), gate.load_aws6(CACHE)]


def _expected(path: Path) -> set[tuple[int, str]]:
    expected: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            expected.update((number, major) for major in match.group(1).split(","))
    return expected


def test_schemas_are_the_pinned_versions(schemas: list[gate.ProviderSchema]) -> None:
    aws5, aws6 = schemas
    assert aws5.version == "5.100.0"
    assert aws6.version.startswith("6.")
    assert aws6.source == "cdktf-cdktf-provider-aws==21.22.1"
    # spot checks of what 6.0 changed, so a broken extraction cannot pass as "everything known"
    assert "vpc" in aws5.resources["aws_eip"].arguments
    assert "vpc" not in aws6.resources["aws_eip"].arguments
    assert "worker_replacement_strategy" in aws6.resources["aws_mwaa_environment"].arguments
    assert "worker_replacement_strategy" not in aws5.resources["aws_mwaa_environment"].arguments
    assert "region" in aws6.resources["aws_mwaa_environment"].arguments
    assert "subnet_ids" in aws6.resources["aws_mwaa_environment"].blocks["network_configuration"].arguments


def test_bad_fixture_reports_each_marked_line_for_its_versions(schemas: list[gate.ProviderSchema]) -> None:
    path = FIXTURES / "schema_gate_bad" / "main.tf"
    result = gate.check_files([path], schemas)
    found = {(f.line, f.schema.version.split(".")[0]) for f in result.findings}
    assert found == _expected(path)
    assert len(found) == len(result.findings)  # one finding per line and version
    assert result.blocks_checked == 5
    assert result.providers_checked == 1


def test_finding_names_the_argument_and_the_schema_source(schemas: list[gate.ProviderSchema]) -> None:
    path = FIXTURES / "schema_gate_bad" / "main.tf"
    lines = {str(f) for f in gate.check_files([path], schemas, relative_to=FIXTURES).findings}
    assert (
        'schema_gate_bad/main.tf:5: resource "aws_eip" "removed_in_6": argument "vpc" unknown to hashicorp/aws 6.x '
        "(schema from cdktf-cdktf-provider-aws==21.22.1)"
    ) in lines
    assert any('block "snapshot_copy" unknown to hashicorp/aws 6.x' in line for line in lines)
    assert any('argument "worker_replacement_strategy" unknown to hashicorp/aws 5.100.0' in line for line in lines)
    assert any('argument "network_configuration.subnet_typo"' in line for line in lines)


def test_meta_arguments_dynamic_blocks_and_timeouts_pass(schemas: list[gate.ProviderSchema]) -> None:
    result = gate.check_files([FIXTURES / "schema_gate_good" / "main.tf"], schemas)
    assert [str(f) for f in result.findings] == []
    assert result.blocks_checked == 3


def test_real_tree_passes_and_prints_the_summary() -> None:
    env = {**os.environ, "MWAA_PLATFORM_STATE": str(CACHE.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "mwaa_platform.tooling.provider_schema_gate", "modules", "terraform"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = re.search(
        r"schema gate: (\d+) resource/data blocks checked against aws 5\.100\.0 and 6\.\d+\.\d+: 0 unknown", proc.stdout
    )
    assert summary is not None, proc.stdout
    # every aws resource/data block of the tree, counted independently of the gate's HCL parser
    blocks = sum(len(re.findall(r'^(?:resource|data) "aws_[a-z0-9_]+"', path.read_text(), re.MULTILINE))
                 for top in ("modules", "terraform") for path in (REPO / top).rglob("*.tf")
                 if ".terraform" not in path.parts)
    assert int(summary.group(1)) == blocks > 0
