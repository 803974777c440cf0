"""modules/sso-alb/examples/complete in the emulator: apply, re-plan clean, check the wiring, destroy.

The ACM certificate is a self-signed one generated here and imported (no tls provider); the OIDC client
secret is a Secrets Manager secret created here; the Lambda zip is built by mwaa_platform.packaging
with its pyjwt[crypto] requirement, as the Makefile builds it, because the emulator runs the handler from
the uploaded zip: the deployed function is invoked with ALB events signed by a key served on loopback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mwaa_platform import packaging
from mwaa_platform.sso import settings
from mwaa_platform.sso.authz import AuthorizationTable
from sso.albtokens import KeyServer, SigningKey, alb_token
from sso.helpers import alb_event

pytestmark = [pytest.mark.terraform, pytest.mark.emulator, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "modules" / "sso-alb"


def self_signed_certificate(host: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def terraform(workdir: Path, env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    flags = ["-no-color"] + (["-input=false"] if args[0] in {"init", "plan", "apply", "destroy"} else [])
    return subprocess.run(["terraform", *args, *flags], cwd=workdir, env=env, text=True,
                          capture_output=True, timeout=timeout, check=False)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    copy = tmp_path / "sso-alb"
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*")
    shutil.copytree(MODULE, copy, ignore=ignore)
    # The module calls the internal ../_aws_context, ../_lambda and ../_bucket (which calls ../_kms), so they travel
    # along.
    for internal in ("_aws_context", "_lambda", "_bucket", "_kms"):
        shutil.copytree(MODULE.parent / internal, tmp_path / internal, ignore=ignore)
    return copy / "examples" / "complete"


def test_example_applies_replans_clean_and_destroys(aws_env: dict[str, str], workdir: Path, tmp_path: Path,
                                                   keys: KeyServer, signing_key: SigningKey) -> None:
    zip_path = tmp_path / "sso.zip"
    packaging.build(zip_path, ["sso"], requirements=["pyjwt[crypto]>=2.8"])
    cert, key = self_signed_certificate("sso.example.com")
    cert_arn = boto3.client("acm").import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    secret_arn = boto3.client("secretsmanager").create_secret(
        Name=f"sso-client-{uuid.uuid4().hex[:6]}", SecretString=json.dumps({"client_secret": "s3cr3t-value"}))["ARN"]
    name = f"sso{uuid.uuid4().hex[:6]}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_"))}, **aws_env,
           "TF_CLI_CONFIG_FILE": str(REPO / ".state" / "terraform.rc"), "TF_IN_AUTOMATION": "1",
           "TF_VAR_region": "us-east-1", "TF_VAR_name": name, "TF_VAR_certificate_arn": cert_arn,
           "TF_VAR_oidc_client_secret_arn": secret_arn, "TF_VAR_authenticator_zip_path": str(zip_path),
           "TF_VAR_deletion_protection": "false", "TF_VAR_force_destroy_logs": "true",
           "TF_VAR_authenticator_key_url_base": keys.url}

    init = terraform(workdir, env, "init", "-backend=false")
    assert init.returncode == 0, init.stderr
    applied = terraform(workdir, env, "apply", "-auto-approve", timeout=600)
    try:
        assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr
        replan = terraform(workdir, env, "plan", "-detailed-exitcode")
        assert replan.returncode == 0, "re-plan is not clean:\n" + replan.stdout[-4000:] + replan.stderr
        outputs = json.loads(terraform(workdir, env, "output", "-json").stdout)
        values = {k: v["value"] for k, v in outputs.items()}
        check_wiring(values, name)
        check_deployed_function(values, signing_key)
    finally:
        destroyed = terraform(workdir, env, "destroy", "-auto-approve", timeout=600)
    assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr
    assert not [lb for lb in boto3.client("elbv2").describe_load_balancers()["LoadBalancers"]
                if lb["LoadBalancerName"] == f"{name}-sso"]
    assert name + "-sso-authorizations" not in boto3.client("dynamodb").list_tables()["TableNames"]


def check_wiring(out: dict[str, Any], name: str) -> None:
    elbv2 = boto3.client("elbv2")
    alb_arn = str(out["alb_arn"])
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[alb_arn])["LoadBalancers"][0]
    assert lb["Scheme"] == "internal"
    listeners = {lst["Port"]: lst for lst in elbv2.describe_listeners(LoadBalancerArn=alb_arn)["Listeners"]}
    assert set(listeners) == {80, 443}
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    auth = listeners[443]["DefaultActions"][0]
    assert auth["Type"] == "authenticate-oidc"
    assert auth["AuthenticateOidcConfig"]["ClientId"] == "airflow-sso"
    rules = [r for r in elbv2.describe_rules(ListenerArn=listeners[443]["ListenerArn"])["Rules"] if not r["IsDefault"]]
    by_priority = {int(r["Priority"]): r for r in rules}
    assert set(by_priority) == {1, 2, 100, 101}
    assert [a["Type"] for a in by_priority[1]["Actions"]] == ["forward"]  # /logout needs no sign-in
    condition = by_priority[101]["Conditions"][0]
    values = condition.get("Values") or condition["PathPatternConfig"]["Values"]
    assert sorted(values) == ["/prod", "/prod/*"]
    for priority in (2, 100, 101):
        assert sorted(a["Type"] for a in by_priority[priority]["Actions"]) == ["authenticate-oidc", "forward"]

    tg_arn = by_priority[1]["Actions"][0]["TargetGroupArn"]
    attrs = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=tg_arn)["Attributes"]}
    assert attrs.get("lambda.multi_value_headers.enabled") == "true"

    # the function's configuration is exactly what the Python side parses
    function = boto3.client("lambda").get_function_configuration(FunctionName=str(out["function_name"]))
    conf = settings.from_env(function["Environment"]["Variables"])
    assert conf.alb_arn == alb_arn and conf.table_name == out["table_name"]
    assert conf.environments["prod"].allowed_roles == {"Op", "Viewer"}
    assert conf.environments["prod"].hosts == ("prod-airflow.example.com",)
    assert conf.access_roles == out["access_role_arns"]
    assert "s3cr3t-value" not in json.dumps(function)

    iam = boto3.client("iam")
    viewer_role = str(out["access_role_arns"]["Viewer"]).rsplit("/", 1)[1]
    policy: Any = iam.get_role_policy(RoleName=viewer_role, PolicyName="create-web-login-token")["PolicyDocument"]
    resources = policy["Statement"][0]["Resource"]
    assert sorted([resources] if isinstance(resources, str) else resources) == [
        f"arn:aws:airflow:us-east-1:123456789012:role/{name}-dev/Viewer",
        f"arn:aws:airflow:us-east-1:123456789012:role/{name}-prod/Viewer"]
    trust: Any = iam.get_role(RoleName=viewer_role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"]["AWS"] == function["Role"]

    backups = boto3.client("dynamodb").describe_continuous_backups(TableName=str(out["table_name"]))
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] \
        == "ENABLED"
    peering = boto3.client("ec2").describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[str(out["vpc_peering_connection_ids"]["prod"])])
    assert peering["VpcPeeringConnections"][0]["Status"]["Code"] == "active"


def check_deployed_function(out: dict[str, Any], signing_key: SigningKey) -> None:
    """Invoke the deployed authenticator (run from its zip by the emulator) as the ALB would."""
    AuthorizationTable(str(out["table_name"])).grant("user:alice@example.com", "dev", "Viewer")
    lam = boto3.client("lambda")

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        resp = lam.invoke(FunctionName=str(out["function_name"]), Payload=json.dumps(event).encode())
        payload = json.loads(resp["Payload"].read())
        assert "FunctionError" not in resp, payload
        return payload

    def token(email: str) -> str:
        return alb_token(signing_key, {"sub": email, "email": email}, signer=str(out["alb_arn"]),
                         issuer="https://login.example.com", client="airflow-sso")

    logout = invoke(alb_event("/logout", cookies="AWSELBAuthSessionCookie-0=x"))
    assert logout["statusCode"] == 302
    assert logout["multiValueHeaders"]["Location"] == ["https://login.example.com/oauth2/v1/logout"]
    assert invoke(alb_event("/dev", token("mallory@example.com")))["statusCode"] == 403
    forged = alb_token(signing_key, {"email": "alice@example.com"}, signer=str(out["alb_arn"]),
                       issuer="https://login.example.com", client="airflow-sso", sign_with=SigningKey())
    assert invoke(alb_event("/dev", forged))["statusCode"] == 401
    # authorized: verified, looked up, access role assumed; the emulator has no MWAA API, which answers 501
    granted = invoke(alb_event("/dev", token("alice@example.com")))
    # MWAA's host prefix turns the emulator endpoint into env.127.0.0.1, which does not resolve: the failure
    # comes from the MWAA call, so STS (same endpoint, no prefix) has answered before it
    assert granted["statusCode"] == 502, granted
    # (the tests that route the emulator's Lambdas to a local MWAA, set_lambda_env, undo it when they finish)
    assert "(EndpointConnectionError)" in str(granted["body"]), granted["body"]
