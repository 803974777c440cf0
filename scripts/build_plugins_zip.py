#!/usr/bin/env python3
"""Build a deterministic plugins.zip: build_plugins_zip.py [--src plugins] [--out build/plugins.zip]."""

from __future__ import annotations

import argparse
from pathlib import Path

from mwaa_platform.dag_tooling.assets import build_plugins_zip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, default=Path("plugins"), help="plugins directory (zipped flat)")
    parser.add_argument("--out", type=Path, default=Path("build/plugins.zip"))
    args = parser.parse_args()
    digest = build_plugins_zip(args.src, args.out)
    print(f"{args.out} sha256={digest}")


if __name__ == "__main__":
    main()
