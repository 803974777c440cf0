"""Policies checked where they are final: in the plan.

Every module example that creates something (``modules/*/examples/*`` except ``disabled``, which plan nothing)
and the platform root stack with the local tfvars (``ROOTS``) are planned against the session emulator
(``terraform plan -out`` + ``terraform show -json``), then

* checkov scans each plan JSON (``--framework terraform_plan``), enriched with the staged HCL so inline
  ``#checkov:skip`` reasons apply; 0 failed checks, except the suppressions listed with their reasons in
  ``plan_suppressions.yaml`` (each must still match a failure, and a "known after apply" one must really be
  unknown in the plan);
* parliament lints every IAM policy document the plan holds (identity policies, trust policies, bucket, key,
  queue, topic, bus and secret policies); 0 findings, with the overrides (each justified beside it) in
  ``parliament_overrides.yaml``. Policies whose JSON is only known after apply cannot be linted: they are
  counted and printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from mwaa_local.emulator import Emulator
from terraform import tfhelpers

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SUPPRESSIONS = HERE / "plan_suppressions.yaml"
PARLIAMENT_OVERRIDES = HERE / "parliament_overrides.yaml"
# The root stack as the local demo applies it (terraform/envs/local.tfvars, primary region, every switchable part
# on): what the modules become once wired, with the policies the wiring computes.
ROOTS = {"terraform/platform": ("terraform/envs/local.tfvars", "us-east-1")}
EXAMPLES = sorted(
    [p.parent.relative_to(REPO).as_posix() for p in REPO.glob("modules/*/examples/*/main.tf")
     if p.parent.name != "disabled"] + list(ROOTS)
)
# PLAN_POLICIES_ONLY=<config>[,<config>]: plan and check only these (a quick look while changing one of them)
if os.environ.get("PLAN_POLICIES_ONLY"):
    EXAMPLES = [c for c in EXAMPLES if c in os.environ["PLAN_POLICIES_ONLY"].split(",")]
ACCOUNT = "123456789012"
# Attributes that hold an IAM policy document (JSON string) on the resources we create.
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")
PLAN_WORKERS = 3  # terraform spends most of its time in the provider; more than 3 only queue on 2 cores
CHECKOV_WORKERS = 2

pytestmark = [pytest.mark.terraform, pytest.mark.emulator, pytest.mark.slow]


def _checkov() -> Path:
    """The checkov the Makefile pins (CHECKOV_VERSION), in its own venv under .state."""
    if os.environ.get("MWAA_PLATFORM_CHECKOV"):
        return Path(os.environ["MWAA_PLATFORM_CHECKOV"])
    match = re.search(r"^CHECKOV_VERSION\s*:?=\s*(\S+)", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert match, "Makefile has no CHECKOV_VERSION"
    return REPO / ".state" / f"checkov-{match.group(1)}" / "bin" / "checkov"


@dataclass
class Planned:
    config: str
    workdir: Path
    plan: dict[str, Any]
    plan_file: Path


@dataclass
class PolicyDoc:
    config: str
    address: str
    attribute: str
    document: str | None  # None: known only after apply


@dataclass
class Plans:
    by_config: dict[str, Planned] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # config -> why it did not plan


def _example_vars(emulator: Emulator) -> dict[str, dict[str, Any]]:
    """The required inputs of the examples that have some (values the emulator accepts at plan time)."""
    env = emulator.env("us-east-1")
    import boto3

    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    name = "plan-policies-oidc-client"
    try:
        secret_arn = secrets.describe_secret(SecretId=name)["ARN"]
    except secrets.exceptions.ResourceNotFoundException:
        secret_arn = secrets.create_secret(Name=name, SecretString=json.dumps({"client_secret": "x"}))["ARN"]
    return {
        "modules/cross-account-data/examples/complete": {
            "producer_role_arn": "arn:aws:iam::111122223333:role/mwaa-platform-producer",
        },
        "modules/eks-irsa/examples/complete": {
            "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            "mwaa_execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/mwaa-execution",
            "source_bucket": "plan-policies-source",
            "destination_bucket": "plan-policies-destination",
        },
        "modules/sso-alb/examples/complete": {
            "certificate_arn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000",
            "oidc_client_secret_arn": secret_arn,
        },
    }


@pytest.fixture(scope="module")
def plans(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Plans:
    if not (REPO / "build" / "lambda").is_dir():
        pytest.fail("build/lambda is missing: run `make package` (the examples reference the Lambda zips)")
    stage_root = tmp_path_factory.mktemp("plan-policies")
    variables = _example_vars(emulator)
    workdirs = {c: tfhelpers.stage(REPO, c, stage_root, also=("modules", "build", "dags")) for c in EXAMPLES}
    for config in ROOTS:
        if config in workdirs:  # plan without the S3 backend (the state would live in the emulator's bucket)
            (workdirs[config] / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')

    def plan(config: str) -> Planned | str:
        try:
            return plan_one(config)
        except tfhelpers.TerraformError as exc:
            return str(exc)[-2500:]

    def plan_one(config: str) -> Planned:
        region = ROOTS[config][1] if config in ROOTS else "us-east-1"
        tf = tfhelpers.Terraform(workdirs[config], env=emulator.env(region), timeout=600)
        if config in ROOTS:  # the local backend of backend_override.tf, so that workspaces exist
            tf.run("init", "-input=false", "-no-color")
        else:
            tf.init()
        plan_file = tf.workdir / "policies.tfplan"
        var_args = [
            f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in variables.get(config, {}).items()
        ]
        if config in ROOTS:  # a workspace per region, as scripts/tf.sh selects it
            tf.run("workspace", "new", region, "-no-color")
            var_args += [f"-var-file={tf.workdir.parents[1] / ROOTS[config][0]}", f"-var=region={region}"]
        tf.run("plan", "-input=false", "-no-color", "-lock=false", f"-out={plan_file}", *var_args)
        shown = json.loads(tf.run("show", "-json", str(plan_file)).stdout)
        json_file = tf.workdir / "plan.json"
        json_file.write_text(json.dumps(shown))
        return Planned(config, tf.workdir, shown, json_file)

    result = Plans()
    with ThreadPoolExecutor(PLAN_WORKERS) as pool:
        for config, planned in zip(EXAMPLES, pool.map(plan, EXAMPLES), strict=True):
            if isinstance(planned, Planned):
                result.by_config[config] = planned
            else:
                result.errors[config] = planned
    return result


def test_every_example_plans(plans: Plans) -> None:
    """The policy checks below run on the examples that planned; an example that does not plan fails here."""
    assert not plans.errors, "\n\n".join(f"{config}:\n{error}" for config, error in plans.errors.items())
    assert sorted(plans.by_config) == EXAMPLES


# ---------------------------------------------------------------------------------------------------------------
# checkov
# ---------------------------------------------------------------------------------------------------------------
def _suppressions() -> list[dict[str, str]]:
    doc = yaml.safe_load(SUPPRESSIONS.read_text()) or {}
    entries: list[dict[str, str]] = doc.get("checkov", []) or []
    for entry in entries:
        assert entry.get("reason", "").strip(), f"suppression without a reason: {entry}"
    return entries


def _checkov_scan(planned: Planned) -> dict[str, Any]:
    proc = subprocess.run(
        [
            str(_checkov()),
            "-f", str(planned.plan_file),
            "--framework", "terraform_plan",
            "--repo-root-for-plan-enrichment", str(planned.workdir),
            "--config-file", str(REPO / ".checkov.yaml"),
            "--compact", "--quiet", "-o", "json",
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise AssertionError(f"checkov failed ({proc.returncode}) on {planned.config}:\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    merged: dict[str, Any] = {"passed": 0, "failed": [], "skipped": 0}
    for item in reports:
        if "summary" not in item:  # a framework with nothing to scan
            continue
        merged["passed"] += item["summary"]["passed"]
        merged["skipped"] += item["summary"]["skipped"]
        merged["failed"].extend(item["results"].get("failed_checks", []))
    return merged


def _is_unknown(after_unknown: Any, path: str) -> bool:
    """Whether ``path`` (dotted, list indexes as numbers) is unknown in a resource change's ``after_unknown``."""
    node = after_unknown
    for part in path.split("."):
        if node is True:
            return True
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return node is True


def _resource_change(plan: Mapping[str, Any], address: str) -> Mapping[str, Any]:
    for change in plan.get("resource_changes", []):
        if change["address"] == address:
            return change["change"]
    raise AssertionError(f"{address} is not in the plan")


def test_checkov_on_plans(plans: Plans) -> None:
    checkov = _checkov()
    if not checkov.exists():
        pytest.fail(f"{checkov} is missing: run `make setup` (it installs the pinned checkov)")
    with ThreadPoolExecutor(CHECKOV_WORKERS) as pool:
        scans = dict(zip(plans.by_config, pool.map(_checkov_scan, plans.by_config.values()), strict=True))
    suppressions = _suppressions()
    used: set[int] = set()
    unexplained: list[str] = []
    suppressed = 0
    for config, scan in scans.items():
        for failed in scan["failed"]:
            match = next(
                (
                    i
                    for i, s in enumerate(suppressions)
                    if s["check"] == failed["check_id"]
                    and re.fullmatch(s["config"], config)
                    and re.fullmatch(s["resource"], failed["resource"])
                ),
                None,
            )
            if match is None:
                unexplained.append(f"{config}: {failed['check_id']} {failed['resource']} ({failed['check_name']})")
                continue
            entry = suppressions[match]
            if entry.get("unknown_after_apply"):
                after_unknown = _resource_change(plans.by_config[config].plan, failed["resource"]).get(
                    "after_unknown", {}
                )
                assert _is_unknown(after_unknown, entry["unknown_after_apply"]), (
                    f"{config}: {failed['resource']}.{entry['unknown_after_apply']} is known in the plan, so the "
                    f"suppression of {failed['check_id']} ('known after apply') does not hold"
                )
            used.add(match)
            suppressed += 1
    passed = sum(s["passed"] for s in scans.values())
    skipped = sum(s["skipped"] for s in scans.values())
    print(
        f"checkov on {len(scans)} plans: passed={passed} failed={len(unexplained)} skipped(inline)={skipped} "
        f"suppressed(plan_suppressions.yaml)={suppressed}"
    )
    # with PLAN_POLICIES_ONLY a suppression may be used by a config that was not planned: no stale check then
    stale = [] if os.environ.get("PLAN_POLICIES_ONLY") else [
        f"{s['config']}: {s['check']} {s['resource']}" for i, s in enumerate(suppressions) if i not in used]
    assert not unexplained, "checkov failures on plans:\n" + "\n".join(unexplained)
    assert not stale, "suppressions that no longer match a failure (remove them):\n" + "\n".join(stale)
    assert passed > 0


# ---------------------------------------------------------------------------------------------------------------
# parliament
# ---------------------------------------------------------------------------------------------------------------
def policy_documents(config: str, plan: Mapping[str, Any]) -> Iterator[PolicyDoc]:
    """Every policy document attribute of the resources the plan creates or updates."""
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or not set(change["change"]["actions"]) & {"create", "update"}:
            continue
        after = change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        for attribute in POLICY_ATTRIBUTES:
            value = after.get(attribute)
            if unknown.get(attribute) is True:
                yield PolicyDoc(config, change["address"], attribute, None)
            elif isinstance(value, str) and value.strip():
                yield PolicyDoc(config, change["address"], attribute, value)


def _ignored(location: Mapping[str, Any], ignore_locations: list[dict[str, Any]] | None) -> bool:
    """parliament's ignore_locations semantics (every key of one entry matches; a value is a regex or a list of
    them, full match, lower-case). parliament 1.6.4's own is_finding_filtered cannot read them from a YAML config:
    its misc.make_list expects jsoncfg nodes and turns a plain string or list into []."""
    for entry in ignore_locations or []:
        if all(
            any(
                re.fullmatch(str(pattern).lower(), str(location.get(key, "")).lower())
                for pattern in (patterns if isinstance(patterns, list) else [patterns])
            )
            for key, patterns in entry.items()
        ):
            return True
    return False


def statements(doc: PolicyDoc) -> Iterator[tuple[str, str]]:
    """One policy per statement, named ``<config>:<address>.<attribute>#<Sid or index>#cond=<condition keys>`` so
    that an override in parliament_overrides.yaml can name the statements it is about (parliament's locations
    carry only this file path, a line and a column)."""
    assert doc.document is not None
    parsed = json.loads(doc.document)
    body = parsed.get("Statement", [])
    for index, statement in enumerate(body if isinstance(body, list) else [body]):
        keys = sorted({key for ops in (statement.get("Condition") or {}).values() for key in ops})
        single = {k: v for k, v in parsed.items() if k != "Statement"} | {"Statement": [statement]}
        name = f"{doc.config}:{doc.address}.{doc.attribute}#{statement.get('Sid', index)}#cond={','.join(keys)}"
        yield name, json.dumps(single)


def test_parliament_on_planned_policies(plans: Plans) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # parliament 1.6.4 imports pkg_resources (deprecated, still shipped)
        import parliament

    parliament.override_config(str(PARLIAMENT_OVERRIDES))
    docs = [d for planned in plans.by_config.values() for d in policy_documents(planned.config, planned.plan)]
    known = [d for d in docs if d.document is not None]
    findings: list[str] = []
    filtered = 0
    for doc in known:
        assert doc.document is not None
        for filepath, statement in statements(doc):
            policy = parliament.analyze_policy_string(statement, filepath=filepath)
            for raw in policy.findings:
                finding = parliament.enhance_finding(raw)
                if _ignored(finding.location, finding.ignore_locations):
                    filtered += 1
                    continue
                findings.append(f"{filepath}: {finding.issue} {finding.severity} {finding.detail}")
    print(
        f"parliament: {len(known)} policies linted, {len(docs) - len(known)} known only after apply (not linted), "
        f"{len(findings)} findings, {filtered} filtered by parliament_overrides.yaml"
    )
    assert known, "no policy document was known at plan time: the extraction is broken"
    assert not findings, "parliament findings:\n" + "\n".join(findings)
