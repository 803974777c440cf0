"""Fuzzed ``mwaa-platform k8s bootstrap --outputs FILE --dry-run``: Terraform outputs in, manifests or a message out.

Properties: any file -> exit 0 with manifests, or exit 1 with ``Error:`` and no traceback; no AWS call in dry-run;
a secret-named field in the outputs never reaches the printed manifests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fuzz_support import SECRET, AwsCalls, field_swaps, file_contents, json_values, mutations, with_secrets
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.k8s import cli

VALUE = {
    "cluster_name": "fuzz-cluster", "region": "us-east-1", "namespaces": ["data"],
    "service_accounts": {"etl": {"namespace": "data", "service_account": "etl",
                                 "role_arn": "arn:aws:iam::123456789012:role/etl"}},
    "mwaa": {"namespace": "data", "kubernetes_group": "mwaa-pod-operators",
             "principal_arn": "arn:aws:iam::123456789012:role/mwaa-exec"},
}
OUTPUTS = {"k8s_bootstrap": {"sensitive": False, "type": "object", "value": VALUE},
           "db_password": {"sensitive": True, "value": SECRET}}
KEYS = (*VALUE, "k8s_bootstrap", "value", "namespace", "service_account", "role_arn", "kubernetes_group",
        "principal_arn")


@given(content=file_contents(st.one_of(json_values(KEYS), mutations(OUTPUTS, KEYS), with_secrets(OUTPUTS),
                                       field_swaps(VALUE, KEYS).map(lambda v: {"k8s_bootstrap": {"value": v}}))))
def test_bootstrap_dry_run_takes_any_outputs_file(content: bytes, aws_calls: AwsCalls, tmp_path: Path) -> None:
    aws_calls.reset()
    outputs = tmp_path / "outputs.json"
    outputs.write_bytes(content)
    result = CliRunner().invoke(cli.group, ["bootstrap", "--outputs", str(outputs), "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        docs: Any = json.loads(result.output)
        assert isinstance(docs, list) and docs
    else:
        assert result.exit_code == 1 and "Error:" in result.output, result.output
    assert aws_calls.calls == []
    assert SECRET not in result.output
