#!/usr/bin/env python3
"""Build a deterministic Lambda zip: package_lambda.py OUT.zip SUBPACKAGE [SUBPACKAGE...] [--requirement R]."""

from __future__ import annotations

import argparse
from pathlib import Path

from mwaa_platform.packaging import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("subpackages", nargs="+", help="mwaa_platform subpackages to include, e.g. endpoints")
    parser.add_argument("--requirement", "-r", action="append", default=[], help="third-party requirement")
    args = parser.parse_args()
    digest = build(args.out, args.subpackages, args.requirement)
    print(f"{args.out} sha256={digest}")


if __name__ == "__main__":
    main()
