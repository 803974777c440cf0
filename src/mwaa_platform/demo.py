"""Apply the platform stack for ENV in the primary and the secondary region, then show what exists.

`make demo` runs this for a real ENV; for ENV=local it runs `mwaa-platform drill --demo` (this summary, then
the DR drill).

Runs against whatever the environment points at: the embedded default after `make up` (ENV=local), or a real
account. Leaves everything running for inspection; `make down` (local) or `make destroy-all` ends it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import click
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

REPO = Path(__file__).resolve().parents[2]  # the checkout (src/mwaa_platform/demo.py)
OUTPUTS_DIR = REPO / ".state" / "demo"  # outputs-<region>.json: every root output, in full
CLIENT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


def tf(action: str, env: str, region: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts" / "tf.sh"), action, "platform", env, region, *extra],
                          capture_output=True, text=True, check=False)


@dataclass
class Found:
    """What the region's APIs say about the outputs (the summary's live part); ``errors`` instead of a crash."""

    subnets: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)
    environment: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)


def service_name(full: str) -> str:
    """com.amazonaws.<region>.ecr.api -> ecr.api; an endpoint service (MWAA's database, web server) -> vpce-svc-..."""
    return full.rsplit(".", 1)[-1] if ".vpce-svc-" in full else full.split(".", 3)[-1]


def look_up(region: str, values: dict[str, Any]) -> Found:
    found = Found()
    vpc_id = values.get("vpc_id")
    try:
        if vpc_id:
            ec2 = boto3.client("ec2", region_name=region, config=CLIENT)
            vpc: list[Any] = [{"Name": "vpc-id", "Values": [str(vpc_id)]}]
            found.subnets = sorted(f"{s['CidrBlock']} {s['AvailabilityZone']}"
                                   for s in ec2.describe_subnets(Filters=vpc)["Subnets"])
            found.endpoints = sorted(service_name(e["ServiceName"])
                                     for e in ec2.describe_vpc_endpoints(Filters=vpc)["VpcEndpoints"])
    except (BotoCoreError, ClientError) as exc:
        found.errors.append(f"EC2: {exc}")
    try:
        if values.get("mwaa_environment_name"):
            mwaa = boto3.client("mwaa", region_name=region, config=CLIENT)
            found.environment = dict(mwaa.get_environment(Name=str(values["mwaa_environment_name"]))["Environment"])
    except (BotoCoreError, ClientError) as exc:
        found.errors.append(f"MWAA: {exc}")
    return found


def write_outputs(region: str, raw: dict[str, Any], directory: Path = OUTPUTS_DIR) -> Path:
    """Every root output of the region as `terraform output -json` gave it, for reading at leisure."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"outputs-{region}.json"
    path.write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n")
    return path


def _name(arn: Any) -> str:
    """The readable tail of an ARN (arn:...:stateMachine:NAME, arn:...:role/NAME), or the value itself."""
    text = str(arn)
    return text.rsplit(":", 1)[-1].rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _url(host: Any) -> str:
    text = str(host)
    if "://" in text:
        return text
    return f"{'http' if text.startswith(('127.0.0.1', 'localhost')) else 'https'}://{text}"


def summarize(region: str, raw: dict[str, Any], outputs_file: Path | None = None,
              found: Found | None = None) -> list[str]:
    """A screenful per region: VPC, MWAA, DR, EKS, automation; the rest is in ``outputs_file``."""
    values = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in raw.items()}
    found = found if found is not None else look_up(region, values)
    lines = [f"  role       {values.get('role')}"]
    if values.get("vpc_id"):
        lines.append(f"  VPC        {values['vpc_id']}: {len(found.subnets)} subnets ({', '.join(found.subnets)})")
        lines.append(f"             {len(found.endpoints)} VPC endpoints: {', '.join(found.endpoints) or '-'}")
    env = found.environment or {}
    if values.get("mwaa_environment_name"):
        state = ", ".join(str(x) for x in (env.get("Status"), f"Airflow {env.get('AirflowVersion')}",
                                           env.get("EnvironmentClass")) if x and x != "Airflow None")
        host = env.get("WebserverUrl") or values.get("mwaa_webserver_url")
        lines.append(f"  MWAA       {values['mwaa_environment_name']}: {state or 'status unknown'}"
                     + (f"; UI {_url(host)}" if host else ""))
        lines.append(f"             source bucket {values.get('mwaa_source_bucket')}, execution role "
                     f"{_name(values.get('mwaa_execution_role_arn'))}")
    else:
        lines.append("  MWAA       none in this region (created on failover)")
    dr = []
    for purpose, pair in sorted((values.get("dr_buckets") or {}).items()):
        dr.append(f"{purpose} {pair.get('primary')} -> {pair.get('replica')}")
    if values.get("dr_failover_state_machine_arn"):
        dr.append(f"failover state machine {_name(values['dr_failover_state_machine_arn'])}")
    if values.get("dr_failover_topic_arn"):
        dr.append(f"alerts topic {_name(values['dr_failover_topic_arn'])}")
    lines.extend(f"  {'DR' if i == 0 else '':10} {item}" for i, item in enumerate(dr or ["off"]))
    bootstrap = values.get("k8s_bootstrap")
    if bootstrap:
        accounts = ", ".join(sorted(bootstrap.get("service_accounts") or {}))
        lines.append(f"  EKS        cluster {bootstrap.get('cluster_name')}, namespaces "
                     f"{', '.join(bootstrap.get('namespaces') or [])}; IRSA service accounts: {accounts or '-'}")
    if values.get("endpoint_automation_function"):
        lines.append(f"  endpoints  automation Lambda {values['endpoint_automation_function']}")
    lines.extend(f"  (not looked up: {error})" for error in found.errors)
    if outputs_file is not None:
        lines.append(f"  outputs    all {len(values)} in {outputs_file} (make demo FULL_OUTPUTS=1 prints them)")
    return lines


def full_outputs(region: str, raw: dict[str, Any]) -> str:
    values = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in raw.items()}
    return f"{region}: every output\n{json.dumps(values, indent=2, sort_keys=True)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mwaa-platform demo", description=__doc__)
    parser.add_argument("--env", default="local")
    parser.add_argument("--primary", default="us-east-1")
    parser.add_argument("--secondary", default="us-west-2")
    parser.add_argument("--full-outputs", action="store_true", help="also print every root output in full")
    args = parser.parse_args(argv)
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
        raw = json.loads(tf("output", args.env, region, "-json").stdout or "{}")
        report.append(f"{region}: applied in {applied:.0f}s, re-plan clean")
        report.extend(summarize(region, raw, write_outputs(region, raw)))
        if args.full_outputs:
            report.append(full_outputs(region, raw))
    print("\n".join(["", "demo: what was created", *report, "",
                     "Everything is still running: inspect it with boto3/aws-cli against the env in .state/local.env;",
                     "`make down` stops the embedded default."]))
    return 0


# `mwaa-platform demo ...`: the same arguments as this module's argparse parser (its --help too)
@click.command("demo", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                           "help_option_names": []}, add_help_option=False)
@click.pass_context
def command(ctx: click.Context) -> None:
    sys.exit(main(list(ctx.args)))


if __name__ == "__main__":
    sys.exit(main())
