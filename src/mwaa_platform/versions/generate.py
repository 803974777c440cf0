"""Write what is generated from the version table, or check that it is current (``make versions``).

Outputs: the Terraform module's copy (``airflow_versions.json``), one ``terraform test`` run per version
(``tests/airflow_versions.tftest.hcl``: offered ones plan, every other one is refused) and the README's table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mwaa_platform import versions

MODULE = Path("modules/mwaa-environment")
README_BEGIN, README_END = "<!-- BEGIN_AIRFLOW_VERSIONS -->", "<!-- END_AIRFLOW_VERSIONS -->"
UNKNOWN_PROBES = ("3.1.0", "1.10.12")  # never offered by MWAA (no 3.1), or long gone


def _tftest() -> str:
    lines = [
        "# Generated from src/mwaa_platform/versions/table.json by `make versions`; do not edit.",
        "# Every offered Airflow version plans; every end-of-support, image-only and unknown version is refused.",
        "",
        "mock_provider \"aws\" {",
        "  source = \"../_testing/mocks/aws\"",
        "}",
        "",
        "variables {",
        "  name       = \"version-test\"",
        "  vpc_id     = \"vpc-0123456789abcdef0\"",
        "  subnet_ids = [\"subnet-0123456789abcdef0\", \"subnet-0123456789abcdef1\"]",
        "}",
    ]
    for row in versions.all_versions().values():
        slug = row.version.replace(".", "_")
        lines += ["", f"run \"{row.status}_{slug}\" {{", "  command = plan", "  variables {",
                  f"    airflow_version = \"{row.version}\"", "  }"]
        if row.offered:
            condition = f"aws_mwaa_environment.this[0].airflow_version == \"{row.version}\""
            lines += ["  assert {", f"    condition     = {condition}",
                      f"    error_message = \"offered version {row.version} must plan\"", "  }"]
        else:
            lines += ["  expect_failures = [var.airflow_version]"]
        lines += ["}"]
    for probe in UNKNOWN_PROBES:
        lines += ["", f"run \"unknown_{probe.replace('.', '_')}\" {{", "  command = plan", "  variables {",
                  f"    airflow_version = \"{probe}\"", "  }", "  expect_failures = [var.airflow_version]", "}"]
    return "\n".join(lines) + "\n"


def _readme_table() -> str:
    rows = ["| Airflow | Python | status on MWAA | end of support | runs locally (constraints) |",
            "|---|---|---|---|---|"]
    for row in versions.all_versions().values():
        eos = row.end_of_support.isoformat() if row.end_of_support else ("not published" if
                                                                        row.status == "end_of_support" else "")
        local = "yes" if row.constraints else "control plane only"
        rows.append(f"| {row.version} | {row.python} | {row.status.replace('_', ' ')} | {eos} | {local} |")
    return "\n".join(rows)


def expected(root: Path) -> dict[Path, str]:
    readme = (root / "README.md").read_text()
    if README_BEGIN in readme and README_END in readme:
        head, rest = readme.split(README_BEGIN, 1)
        readme = f"{head}{README_BEGIN}\n{_readme_table()}\n{README_END}{rest.split(README_END, 1)[1]}"
    return {
        root / MODULE / "airflow_versions.json": json.dumps(versions.terraform_copy(), indent=2) + "\n",
        root / MODULE / "tests" / "airflow_versions.tftest.hcl": _tftest(),
        root / "README.md": readme,
    }


def stale(root: Path) -> list[Path]:
    return [p for p, text in expected(root).items() if not p.exists() or p.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a generated file is out of date")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale(args.root)
        for path in out_of_date:
            print(f"out of date: {path} (run `make versions`)", file=sys.stderr)
        return 1 if out_of_date else 0
    for path, text in expected(args.root).items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
