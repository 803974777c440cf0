#!/usr/bin/env python3
"""Build the Lambda zips the Terraform modules deploy: package_lambdas.py [OUT_DIR] [--only NAME ...].

One entry per function: the mwaa_platform subpackages it needs and its third-party requirements (beyond the
boto3 the Lambda runtime provides). Each zip is OUT_DIR/NAME.zip (OUT_DIR defaults to build/lambda); --only
builds the named ones (e.g. ``--only endpoints`` for build/lambda/endpoints.zip). Zips are deterministic, so
unchanged code keeps its hash and re-plans stay clean.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mwaa_platform.packaging import build

LAMBDAS: dict[str, tuple[list[str], list[str]]] = {
    "endpoints": (["endpoints"], []),
    "sso": (["sso"], ["pyjwt[crypto]>=2.8"]),
    "airflow_api": (["airflow_api"], []),
    "failover": (["failover"], []),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("build/lambda"))
    parser.add_argument("--only", action="append", choices=sorted(LAMBDAS), metavar="NAME",
                        help=f"build only this zip (repeatable): one of {', '.join(sorted(LAMBDAS))}")
    args = parser.parse_args(argv)
    for name in sorted(set(args.only or LAMBDAS)):
        subpackages, requirements = LAMBDAS[name]
        digest = build(args.out_dir / f"{name}.zip", subpackages, requirements)
        print(f"package: {args.out_dir / name}.zip sha256={digest}")


if __name__ == "__main__":
    main()
