"""modules/cross-account-data/examples/complete in the emulator with two accounts: the consumer provider uses
the emulator's default credentials (account B, 123456789012), the producer provider assumes a role in account A
(111111111111). Apply, re-plan with no changes, access checks, destroy.

Access is checked two ways, because moto enforces only half of IAM:
- identity policies: moto's own IAM enforcement (switched on for the duration of one test through
  /moto-api/reset-auth) decides real S3 calls made with each role's credentials; bucket-policy statements
  without a specific principal (the TLS-only Deny) are enforced by the emulator too;
- resource policies (bucket, key and trust policies): moto does not evaluate their principals, so the policy
  documents read back from the emulator are evaluated with mwaa_local.policy_eval under AWS's
  cross-account rule (both sides must allow, an explicit deny wins).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from xacct_support import CONSUMER_ACCOUNT as B
from xacct_support import PRODUCER_ACCOUNT as A
from xacct_support import assume, bootstrap_producer_role, session_for

from mwaa_local.emulator import Emulator
from mwaa_local.policy_eval import Request, decide
from terraform import tfhelpers

pytestmark = [pytest.mark.terraform, pytest.mark.emulator, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
NAME = "xacct-test"
THIRD_ACCOUNT = "333333333333"
DS = "2026-01-02"
TLS = {"aws:SecureTransport": "true"}
S3_EVERYTHING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:*", "kms:*", "sts:AssumeRole"], "Resource": "*"}]}


@dataclass
class Stack:
    emulator: Emulator
    tf: tfhelpers.Terraform
    var: dict[str, Any]
    out: dict[str, Any]
    producer: boto3.session.Session
    consumer: boto3.session.Session

    def client(self, side: str, service: str) -> Any:
        session = self.producer if side == "A" else self.consumer
        return session.client(service, endpoint_url=self.emulator.endpoint)


@pytest.fixture(scope="module")
def stack(xacct_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    role = bootstrap_producer_role(xacct_emulator)
    workdir = tfhelpers.stage(REPO, "modules/cross-account-data/examples/complete",
                              tmp_path_factory.mktemp("xacct-stack"), also=())
    tf = tfhelpers.Terraform(workdir, env=xacct_emulator.env("us-east-1"), timeout=600)
    var = {"producer_role_arn": role, "name": NAME, "enable_redshift_serverless": False, "disposable": True}
    tf.init()
    producer = assume(xacct_emulator, role, name="pytest-producer")
    consumer = session_for(xacct_emulator)
    # Five lifecycle configurations each hold a worker for the provider's ~55 s consistency wait; more workers
    # keep the other ~80 resources moving meanwhile.
    var_args = [f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in var.items()]
    try:
        tf.run("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=30", *var_args)
        yield Stack(xacct_emulator, tf, var, tf.output(), producer, consumer)
    finally:
        tf.run("destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=30", *var_args)
        leftovers = tf.state_list()
        buckets = [b["Name"] for side in (producer, consumer)
                   for b in side.client("s3", endpoint_url=xacct_emulator.endpoint).list_buckets()["Buckets"]
                   if b["Name"].startswith(NAME)]
        assert leftovers == [] and buckets == [], f"destroy left {leftovers} and buckets {buckets}"


def test_replan_has_no_changes(stack: Stack) -> None:
    code = stack.tf.plan_exit_code(var=stack.var)
    if code != 0:
        pytest.fail("re-plan drifts:\n" + tfhelpers.describe_drift(stack.tf.plan_changes(var=stack.var)))


def test_resources_land_in_their_account(stack: Stack) -> None:
    out = stack.out
    a_buckets = {b["Name"] for b in stack.client("A", "s3").list_buckets()["Buckets"]}
    b_buckets = {b["Name"] for b in stack.client("B", "s3").list_buckets()["Buckets"]}
    assert {out["input_bucket_name"], out["output_bucket_name"], f"{NAME}-producer-logs-{A}"} <= a_buckets
    assert {out["staging_bucket_name"], f"{NAME}-consumer-logs-{B}"} <= b_buckets
    assert out["input_bucket_name"] not in b_buckets and out["staging_bucket_name"] not in a_buckets

    assert out["producer_unload_role_arn"] == f"arn:aws:iam::{A}:role/{NAME}-producer-unload"
    assert out["glue_role_arn"] == f"arn:aws:iam::{B}:role/{NAME}-glue"
    stack.client("A", "iam").get_role(RoleName=f"{NAME}-producer-unload")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        stack.client("B", "iam").get_role(RoleName=f"{NAME}-producer-unload")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        stack.client("A", "iam").get_role(RoleName=f"{NAME}-glue")


def test_airflow_secrets_feed_the_dag(stack: Stack) -> None:
    sm = stack.client("B", "secretsmanager")
    config = json.loads(sm.get_secret_value(SecretId="airflow/variables/data_pipeline")["SecretString"])
    assert config == stack.out["pipeline_config"]
    assert config["input_bucket"] == stack.out["input_bucket_name"]
    dag_keys = set(re.findall(r"cfg\(['\"](\w+)['\"]\)", (REPO / "dags" / "data_pipeline.py").read_text()))
    assert dag_keys <= set(config), f"the DAG reads keys Terraform does not write: {dag_keys - set(config)}"
    unload = json.loads(sm.get_secret_value(SecretId="airflow/connections/redshift_unload_role_chain")["SecretString"])
    chain = f"{stack.out['redshift_role_arn']},{stack.out['producer_unload_role_arn']}"
    assert unload == {"conn_type": "aws", "extra": {"role_arn": chain}}
    assert stack.out["airflow_configuration_options"]["secrets.backend"].endswith("SecretsManagerBackend")


# ---------------------------------------------------------------------------------------------------------
# Identity side: moto's IAM enforcement on real S3 calls
# ---------------------------------------------------------------------------------------------------------

def _set_auth(emulator: Emulator, count: str) -> None:
    response = requests.post(f"{emulator.endpoint}/moto-api/reset-auth", data=count.encode(), timeout=10)
    response.raise_for_status()


def _outcome(call: Any) -> str:
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "ok"


def test_emulator_enforces_the_consumer_roles_identity_policies(stack: Stack) -> None:
    emu, out = stack.emulator, stack.out
    raw_key = f"{out['pipeline_config']['input_prefix']}dt={DS}/_SUCCESS"
    s3a = stack.client("A", "s3")
    s3a.put_object(Bucket=out["input_bucket_name"], Key=raw_key, Body=b"")
    s3a.put_object(Bucket=out["input_bucket_name"], Key="private/hr.csv", Body=b"salary")
    s3a.put_object(Bucket=out["output_bucket_name"], Key=f"{out['pipeline_config']['output_prefix']}x", Body=b"x")
    iam_b = stack.client("B", "iam")
    iam_b.create_role(RoleName=f"{NAME}-nobody", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "sts:AssumeRole"}],
    }))
    try:
        glue = assume(emu, out["glue_role_arn"]).client("s3", endpoint_url=emu.endpoint)
        # The emulator's bucket-policy fix treats a request forwarded from plain HTTP as aws:SecureTransport=false.
        glue_plain_http = assume(emu, out["glue_role_arn"]).client("s3", endpoint_url=emu.endpoint)
        glue_plain_http.meta.events.register(
            "before-sign.s3", lambda request, **_: request.headers.__setitem__("X-Forwarded-Proto", "http"))
        mwaa = assume(emu, out["mwaa_execution_role_arn"]).client("s3", endpoint_url=emu.endpoint)
        nobody = assume(emu, f"arn:aws:iam::{B}:role/{NAME}-nobody").client("s3", endpoint_url=emu.endpoint)
        inp, outp = out["input_bucket_name"], out["output_bucket_name"]

        _set_auth(emu, "0")
        try:
            results = {
                "glue reads input": _outcome(lambda: glue.get_object(Bucket=inp, Key=raw_key)),
                "glue lists input prefix": _outcome(
                    lambda: glue.list_objects_v2(Bucket=inp, Prefix=out["pipeline_config"]["input_prefix"])),
                "mwaa senses input": _outcome(lambda: mwaa.head_object(Bucket=inp, Key=raw_key)),
                "glue reads input without TLS": _outcome(lambda: glue_plain_http.get_object(Bucket=inp, Key=raw_key)),
                "glue reads another prefix": _outcome(lambda: glue.get_object(Bucket=inp, Key="private/hr.csv")),
                "glue writes input": _outcome(lambda: glue.put_object(Bucket=inp, Key=raw_key, Body=b"x")),
                "glue reads output": _outcome(
                    lambda: glue.get_object(Bucket=outp, Key=f"{out['pipeline_config']['output_prefix']}x")),
                "mwaa reads output": _outcome(
                    lambda: mwaa.get_object(Bucket=outp, Key=f"{out['pipeline_config']['output_prefix']}x")),
                "mwaa reads another prefix": _outcome(lambda: mwaa.get_object(Bucket=inp, Key="private/hr.csv")),
                "unrelated role reads input": _outcome(lambda: nobody.get_object(Bucket=inp, Key=raw_key)),
            }
        finally:
            _set_auth(emu, "inf")
    finally:
        iam_b.delete_role(RoleName=f"{NAME}-nobody")
        s3a.delete_object(Bucket=out["input_bucket_name"], Key="private/hr.csv")

    assert results == {
        "glue reads input": "ok",
        "glue lists input prefix": "ok",
        "mwaa senses input": "ok",
        "glue reads input without TLS": "403",  # the bucket's TLS-only Deny; moto answers with an empty body
        "glue reads another prefix": "AccessDenied",
        "glue writes input": "AccessDenied",
        "glue reads output": "AccessDenied",
        "mwaa reads output": "AccessDenied",
        "mwaa reads another prefix": "AccessDenied",
        "unrelated role reads input": "AccessDenied",
    }


# ---------------------------------------------------------------------------------------------------------
# Resource side: the policy documents as applied, evaluated across the account boundary
# ---------------------------------------------------------------------------------------------------------

def _doc(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def _role_policies(iam: Any, role_name: str) -> list[dict[str, Any]]:
    docs = [_doc(iam.get_role_policy(RoleName=role_name, PolicyName=n)["PolicyDocument"])
            for n in iam.list_role_policies(RoleName=role_name)["PolicyNames"]]
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        docs.append(_doc(iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)
                         ["PolicyVersion"]["Document"]))
    return docs


@pytest.fixture(scope="module")
def applied(stack: Stack) -> dict[str, Any]:
    """Every policy the access decisions need, read back from the emulator."""
    out, s3a, iam_a, iam_b = stack.out, stack.client("A", "s3"), stack.client("A", "iam"), stack.client("B", "iam")
    mwaa_role = out["mwaa_execution_role_arn"].rsplit("/", 1)[-1]
    return {
        "input_bucket": _doc(s3a.get_bucket_policy(Bucket=out["input_bucket_name"])["Policy"]),
        "output_bucket": _doc(s3a.get_bucket_policy(Bucket=out["output_bucket_name"])["Policy"]),
        "producer_logs": _doc(s3a.get_bucket_policy(Bucket=f"{NAME}-producer-logs-{A}")["Policy"]),
        "input_key": _doc(stack.client("A", "kms").get_key_policy(KeyId=out["input_kms_key_arn"],
                                                                  PolicyName="default")["Policy"]),
        "unload_trust": _doc(iam_a.get_role(RoleName=f"{NAME}-producer-unload")["Role"]["AssumeRolePolicyDocument"]),
        "unload_identity": _role_policies(iam_a, f"{NAME}-producer-unload"),
        "glue": _role_policies(iam_b, f"{NAME}-glue"),
        "mwaa": _role_policies(iam_b, mwaa_role),
        "redshift": _role_policies(iam_b, f"{NAME}-redshift"),
    }


def _s3(principal: str, action: str, bucket: str, key: str | None = None, **context: str) -> Request:
    resource = f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")
    return Request(principal, action, resource, {**TLS, **context})


def test_only_the_consumer_roles_may_read_the_input_prefix(stack: Stack, applied: dict[str, Any]) -> None:
    out = stack.out
    cfg = out["pipeline_config"]
    inp, prefix = out["input_bucket_name"], cfg["input_prefix"]
    glue = f"arn:aws:sts::{B}:assumed-role/{NAME}-glue/GlueJobRunnerSession"
    mwaa = out["mwaa_execution_role_arn"]
    unrelated_b = f"arn:aws:iam::{B}:role/{NAME}-analyst"
    third = f"arn:aws:iam::{THIRD_ACCOUNT}:role/intruder"
    key = f"{prefix}dt={DS}/part-0000.csv"

    def allowed(request: Request, identity: list[dict[str, Any]], resource: str = "input_bucket") -> bool:
        return decide(request, identity, applied[resource], A).allowed

    # the two consumer roles read (and list) the input prefix
    assert allowed(_s3(glue, "s3:GetObject", inp, key), applied["glue"])
    assert allowed(_s3(mwaa, "s3:GetObject", inp, key), applied["mwaa"])
    assert allowed(_s3(glue, "s3:ListBucket", inp, **{"s3:prefix": prefix}), applied["glue"])
    assert allowed(_s3(mwaa, "s3:ListBucket", inp, **{"s3:prefix": f"{prefix}dt={DS}/"}), applied["mwaa"])
    # ... and nothing else of account A
    for principal, identity in ((glue, applied["glue"]), (mwaa, applied["mwaa"])):
        assert not allowed(_s3(principal, "s3:GetObject", inp, "private/hr.csv"), identity)
        assert not allowed(_s3(principal, "s3:ListBucket", inp, **{"s3:prefix": "private/"}), identity)
        assert not allowed(_s3(principal, "s3:PutObject", inp, key), identity)
        assert not allowed(_s3(principal, "s3:DeleteObject", inp, key), identity)
        assert not allowed(_s3(principal, "s3:GetObject", out["output_bucket_name"], f"{cfg['output_prefix']}x"),
                           identity, "output_bucket")
        assert not allowed(_s3(principal, "s3:GetObject", f"{NAME}-producer-logs-{A}", "s3/x"), identity,
                           "producer_logs")
        # not even the granted read without TLS
        insecure = Request(principal, "s3:GetObject", f"arn:aws:s3:::{inp}/{key}", {"aws:SecureTransport": "false"})
        assert not allowed(insecure, identity)
    # unrelated principals are denied even with s3:* in their own account
    denied = decide(_s3(unrelated_b, "s3:GetObject", inp, key), [S3_EVERYTHING], applied["input_bucket"], A)
    assert not denied.allowed and "resource policy" in denied.reason
    assert not allowed(_s3(third, "s3:GetObject", inp, key), [S3_EVERYTHING])
    assert not allowed(_s3(third, "s3:ListBucket", inp, **{"s3:prefix": prefix}), [S3_EVERYTHING])


def test_input_key_decrypts_only_for_the_glue_role_through_s3(stack: Stack, applied: dict[str, Any]) -> None:
    key_arn = stack.out["input_kms_key_arn"]
    via_s3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    glue = stack.out["glue_role_arn"]
    assert decide(Request(glue, "kms:Decrypt", key_arn, via_s3), applied["glue"], applied["input_key"], A).allowed
    assert not decide(Request(glue, "kms:Decrypt", key_arn, {}), applied["glue"], applied["input_key"], A).allowed
    assert not decide(Request(glue, "kms:ScheduleKeyDeletion", key_arn, via_s3), applied["glue"],
                      applied["input_key"], A).allowed
    unrelated = f"arn:aws:iam::{B}:role/{NAME}-analyst"
    assert not decide(Request(unrelated, "kms:Decrypt", key_arn, via_s3), [S3_EVERYTHING], applied["input_key"],
                      A).allowed


def test_only_roleb_chains_into_rolea_and_rolea_writes_only_the_output_prefix(
        stack: Stack, applied: dict[str, Any]) -> None:
    out = stack.out
    role_a = out["producer_unload_role_arn"]
    role_b_session = f"arn:aws:sts::{B}:assumed-role/{NAME}-redshift/RedshiftIamRoleSession"
    assume_a = Request(role_b_session, "sts:AssumeRole", role_a)
    assert decide(assume_a, applied["redshift"], applied["unload_trust"], A).allowed
    for other in (out["glue_role_arn"], out["mwaa_execution_role_arn"], f"arn:aws:iam::{B}:role/{NAME}-analyst"):
        decision = decide(Request(other, "sts:AssumeRole", role_a), [S3_EVERYTHING], applied["unload_trust"], A)
        assert not decision.allowed, other

    role_a_session = f"arn:aws:sts::{A}:assumed-role/{NAME}-producer-unload/RedshiftIamRoleSession"
    prefix = out["pipeline_config"]["output_prefix"]
    ok = _s3(role_a_session, "s3:PutObject", out["output_bucket_name"], f"{prefix}dt={DS}/sales_daily_000.parquet")
    assert decide(ok, applied["unload_identity"], applied["output_bucket"], A).allowed
    elsewhere = _s3(role_a_session, "s3:PutObject", out["output_bucket_name"], "other/x")
    assert not decide(elsewhere, applied["unload_identity"], applied["output_bucket"], A).allowed
    into_input = _s3(role_a_session, "s3:PutObject", out["input_bucket_name"], f"{prefix}x")
    assert not decide(into_input, applied["unload_identity"], applied["input_bucket"], A).allowed
