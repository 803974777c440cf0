"""scripts/write_redshift_secret.py and the library behind it: URI building, validation, idempotent writes,
and the password never appearing in anything printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from xacct_support import session_for

from mwaa_platform.crossaccount.connection import (
    InputError,
    connection_uri,
    credentials_from_secret,
    redacted,
    target_from_outputs,
)
from mwaa_platform.local.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "write_redshift_secret.py"
PASSWORD = "p@ss:w/rd?#%& x"  # every character that breaks a naive URI
HOST = "sales.123456789012.us-east-1.redshift-serverless.amazonaws.com"


def outputs(admin_arn: str, conn_arn: str, **overrides: Any) -> dict[str, Any]:
    """The shape of `terraform output -json`."""
    values: dict[str, Any] = {
        "redshift_endpoint": {"address": HOST, "port": 5439},
        "redshift_database_name": "dev",
        "redshift_admin_secret_arn": admin_arn,
        "redshift_connection_secret_arn": conn_arn,
        "input_bucket_name": "sales-input-111111111111",
    }
    values.update(overrides)
    return {k: {"value": v, "type": "string", "sensitive": False} for k, v in values.items()}


ADMIN_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!sales-etl_admin-AbCdEf"
CONN_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/redshift_default-XyZ123"


# ---------------------------------------------------------------------------------------------------------
# Library
# ---------------------------------------------------------------------------------------------------------

def test_uri_percent_encodes_credentials_and_redaction_hides_them() -> None:
    target = target_from_outputs(outputs(ADMIN_ARN, CONN_ARN))
    uri = connection_uri(target, "etl_admin", PASSWORD)
    assert uri == f"redshift://etl_admin:p%40ss%3Aw%2Frd%3F%23%25%26%20x@{HOST}:5439/dev"
    assert redacted(uri) == f"redshift://etl_admin:***@{HOST}:5439/dev"
    assert PASSWORD not in redacted(uri)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"redshift_endpoint": None}, "Redshift Serverless is disabled"),
    ({"redshift_endpoint": {"address": "bad host!", "port": 5439}}, "not a host name"),
    ({"redshift_endpoint": {"address": HOST, "port": "x"}}, "not a number"),
    ({"redshift_endpoint": {"address": HOST, "port": 70000}}, "not a TCP port"),
    ({"redshift_database_name": "dev; drop"}, "not a database name"),
    ({"redshift_admin_secret_arn": "redshift!sales"}, "not a Secrets Manager ARN"),
    ({"redshift_connection_secret_arn": ""}, "non-empty string"),
])
def test_malformed_outputs_are_rejected_with_the_reason(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        target_from_outputs(outputs(ADMIN_ARN, CONN_ARN, **overrides))


def test_missing_output_names_the_output() -> None:
    bad = outputs(ADMIN_ARN, CONN_ARN)
    del bad["redshift_database_name"]
    with pytest.raises(InputError, match="redshift_database_name"):
        target_from_outputs(bad)


@pytest.mark.parametrize("secret", ["not json", "[]", '{"username": "etl_admin"}', '{"password": "x"}',
                                    '{"username": "a b", "password": "x"}'])
def test_bad_admin_secret_is_rejected_without_echoing_it(secret: str) -> None:
    with pytest.raises(InputError) as info:
        credentials_from_secret(secret)
    assert '"x"' not in str(info.value) and "password\": " not in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# The script against the emulator
# ---------------------------------------------------------------------------------------------------------

def _run(emulator: Emulator, outputs_file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(emulator.env("us-east-1"))
    return subprocess.run([sys.executable, str(SCRIPT), "--outputs-file", str(outputs_file)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.emulator
def test_script_writes_once_rewrites_on_rotation_and_never_prints_the_password(
        xacct_emulator: Emulator, tmp_path: Path) -> None:
    sm = session_for(xacct_emulator).client("secretsmanager", endpoint_url=xacct_emulator.endpoint)
    admin_arn = sm.create_secret(Name="redshift!script-test-etl_admin",
                                 SecretString=json.dumps({"username": "etl_admin", "password": PASSWORD}))["ARN"]
    conn_arn = sm.create_secret(Name="airflow/connections/redshift_script_test")["ARN"]  # as Terraform: no value
    out = tmp_path / "outputs.json"
    out.write_text(json.dumps(outputs(admin_arn, conn_arn)))

    def versions() -> int:
        return len(sm.list_secret_version_ids(SecretId=conn_arn)["Versions"])

    first = _run(xacct_emulator, out)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"updated {conn_arn}") and "etl_admin:***@" in first.stdout
    stored = sm.get_secret_value(SecretId=conn_arn)["SecretString"]
    assert stored == connection_uri(target_from_outputs(outputs(admin_arn, conn_arn)), "etl_admin", PASSWORD)
    assert versions() == 1

    again = _run(xacct_emulator, out)
    assert again.returncode == 0 and again.stdout.startswith(f"unchanged {conn_arn}")
    assert versions() == 1

    rotated = "n3w/Pass+word"
    sm.put_secret_value(SecretId=admin_arn, SecretString=json.dumps({"username": "etl_admin", "password": rotated}))
    third = _run(xacct_emulator, out)
    assert third.returncode == 0 and third.stdout.startswith("updated")
    assert "n3w%2FPass%2Bword" in sm.get_secret_value(SecretId=conn_arn)["SecretString"]

    for proc in (first, again, third):
        printed = proc.stdout + proc.stderr
        for secret in (PASSWORD, "p%40ss", rotated, "n3w%2FPass"):
            assert secret not in printed


@pytest.mark.emulator
@pytest.mark.parametrize(("case", "exit_code", "message"), [
    ("redshift_disabled", 2, "Redshift Serverless is disabled"),
    ("not_json", 2, "not JSON"),
    ("admin_secret_missing", 2, "not found"),
    ("admin_secret_without_password", 2, "no 'password'"),
])
def test_script_rejects_bad_input_without_writing(xacct_emulator: Emulator, tmp_path: Path, case: str,
                                                  exit_code: int, message: str) -> None:
    sm = session_for(xacct_emulator).client("secretsmanager", endpoint_url=xacct_emulator.endpoint)
    conn_arn = sm.create_secret(Name=f"airflow/connections/reject_{case}")["ARN"]
    admin_arn = sm.create_secret(Name=f"redshift!reject-{case}",
                                 SecretString=json.dumps({"username": "etl_admin"}))["ARN"]
    out = tmp_path / "outputs.json"
    if case == "redshift_disabled":
        out.write_text(json.dumps(outputs(admin_arn, conn_arn, redshift_endpoint=None)))
    elif case == "not_json":
        out.write_text("Outputs:\nredshift_endpoint = ...")
    elif case == "admin_secret_missing":
        missing = admin_arn.replace(f"reject-{case}", "does-not-exist")
        out.write_text(json.dumps(outputs(missing, conn_arn)))
    else:
        out.write_text(json.dumps(outputs(admin_arn, conn_arn)))

    proc = _run(xacct_emulator, out)
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert sm.list_secret_version_ids(SecretId=conn_arn)["Versions"] == []
