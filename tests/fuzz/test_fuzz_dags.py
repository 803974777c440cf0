"""Fuzzed ``mwaa-platform dags`` commands that read a file: ``localize-requirements SRC DEST`` and
``check --requirements FILE`` (up to the point where a real Airflow runtime would be needed).

Properties: any requirements file -> the localized file, or exit 1 with ``Error:``, never a traceback; a
refused file leaves DEST unwritten; no index credentials from the file reach the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fuzz_support import SECRET
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform import airflow_runtime
from mwaa_platform.dag_tooling import cli

CONSTRAINT = ('--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/'
              'constraints-3.11.txt"')
VALID_LINES = [CONSTRAINT, f"--extra-index-url https://user:{SECRET}@pypi.example.com/simple",
               "apache-airflow-providers-snowflake==5.8.0", "pandas>=2.0  # data", "-r other.txt", ""]
line = st.one_of(st.sampled_from(VALID_LINES), st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s),
                 st.sampled_from(["--constraint", "-c=", CONSTRAINT.replace("2.10.3", "9.9.9"),
                                  CONSTRAINT.replace("3.11", "3.99"), CONSTRAINT + " trailing", "apache-airflow"]))
requirements = st.one_of(st.lists(line, max_size=8).map(lambda ls: "\n".join(ls).encode()),
                         st.binary(max_size=60), st.just(b"\xff" + CONSTRAINT.encode()))


@given(content=requirements)
def test_localize_requirements_takes_any_file(content: bytes, tmp_path: Path) -> None:
    src, dest = tmp_path / "requirements.txt", tmp_path / "out" / "requirements.txt"
    src.write_bytes(content)
    dest.unlink(missing_ok=True)
    result = CliRunner().invoke(cli.group, ["localize-requirements", str(src), str(dest)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        assert dest.is_file() and "raw.githubusercontent.com" not in dest.read_text()
    else:
        assert result.exit_code == 1 and "Error:" in result.output, result.output
        assert not dest.exists()
    assert SECRET not in result.output


@given(content=requirements)
def test_check_reads_any_requirements_file(content: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to the runtime: reading the requirements must end in a clear error, not a traceback."""
    def no_runtime(version: str) -> airflow_runtime.AirflowRuntime:
        raise airflow_runtime.RuntimeUnavailableError(f"no Airflow {version} runtime in the fuzz tests")

    monkeypatch.setattr(airflow_runtime, "ensure", no_runtime)
    req = tmp_path / "requirements.txt"
    req.write_bytes(content)
    result = CliRunner().invoke(cli.group, ["check", "--airflow-version", "2.10.3", "--dags-dir", str(tmp_path),
                                            "--requirements", str(req)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1 and "Error:" in result.output, result.output
    assert SECRET not in result.output
