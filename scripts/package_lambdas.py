#!/usr/bin/env python3
"""Build every Lambda zip the Terraform modules deploy: package_lambdas.py OUT_DIR.

One entry per function: the mwaa_platform subpackages it needs and its third-party requirements (beyond the
boto3 the Lambda runtime provides). Zips are deterministic, so unchanged code keeps its hash and re-plans
stay clean.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mwaa_platform.packaging import build

LAMBDAS: dict[str, tuple[list[str], list[str]]] = {
    "endpoints": (["endpoints"], []),
    "sso": (["sso"], ["pyjwt[crypto]>=2.8"]),
    "airflow_api": (["airflow_api"], []),
    "failover": (["failover"], []),
}


def main() -> None:
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "build/lambda")
    for name, (subpackages, requirements) in sorted(LAMBDAS.items()):
        digest = build(out_dir / f"{name}.zip", subpackages, requirements)
        print(f"package: {out_dir / name}.zip sha256={digest}")


if __name__ == "__main__":
    main()
