#!/usr/bin/env python3
"""Apply the platform stack for ENV in the primary and the secondary region, then show what exists.

`make demo` runs this for a real ENV; for ENV=local it runs scripts/drill.py --demo (this summary, then the DR drill).

Runs against whatever the environment points at: the embedded default after `make up` (ENV=local), or a real
account. Leaves everything running for inspection; `make down` (local) or `make destroy-all` ends it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parents[1]


def tf(action: str, env: str, region: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts" / "tf.sh"), action, "platform", env, region, *extra],
                          capture_output=True, text=True, check=False)


def summarize(region: str, outputs: dict[str, dict[str, object]]) -> list[str]:
    ec2 = boto3.client("ec2", region_name=region)
    vpc_id = outputs.get("vpc_id", {}).get("value")
    lines = [f"  role {outputs.get('role', {}).get('value')}  vpc {vpc_id}"]
    if vpc_id:
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [str(vpc_id)]}])["Subnets"]
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [str(vpc_id)]}])["VpcEndpoints"]
        described = [f"{s['SubnetId']} {s['CidrBlock']} {s['AvailabilityZone']}" for s in subnets]
        lines.append(f"  subnets {len(subnets)}: " + ", ".join(described))
        lines.append(f"  VPC endpoints {len(endpoints)}: "
                     + ", ".join(sorted(e["ServiceName"].split(".", 3)[-1] for e in endpoints)))
    for key, value in sorted(outputs.items()):
        if key not in {"vpc_id", "role", "region", "private_subnet_ids", "endpoint_ids"}:
            lines.append(f"  {key} = {json.dumps(value.get('value'))}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="local")
    parser.add_argument("--primary", default="us-east-1")
    parser.add_argument("--secondary", default="us-west-2")
    args = parser.parse_args()
    report: list[str] = []
    for region in (args.primary, args.secondary):
        started = time.monotonic()
        print(f"demo: applying platform for ENV={args.env} in {region} ...", flush=True)
        result = tf("apply", args.env, region, "-no-color")
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
            return 1
        applied = time.monotonic() - started
        replan = tf("plan", args.env, region, "-no-color", "-detailed-exitcode")
        if replan.returncode != 0:
            print(replan.stdout[-4000:], file=sys.stderr)
            print(f"demo: re-plan of {region} is not clean (exit {replan.returncode})", file=sys.stderr)
            return 1
        outputs = json.loads(tf("output", args.env, region, "-json").stdout or "{}")
        report.append(f"{region}: applied in {applied:.0f}s, re-plan clean")
        report.extend(summarize(region, outputs))
    print("\n".join(["", "demo: what was created", *report, "",
                     "Everything is still running: inspect it with boto3/aws-cli against the env in .state/local.env;",
                     "`make down` stops the embedded default."]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
