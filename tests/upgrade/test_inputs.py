"""``upgrade check``'s inputs from the environment itself: its DAGs, requirements and plugins from its S3 bucket
(the versions it runs), its configuration options; an unsafe plugins.zip is refused; bad local input too."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest

from mwaa_platform.upgrade import inputs

pytestmark = [pytest.mark.emulator]


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buffer.getvalue()


def test_from_environment_reads_what_it_runs(aws_env: dict[str, str], tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    bucket = f"inputs-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="dags/etl.py", Body=b"# airflow dag\n")
    s3.put_object(Bucket=bucket, Key="dags/sub/helper.py", Body=b"X = 1\n")
    s3.put_object(Bucket=bucket, Key="other/ignored.py", Body=b"")
    old = s3.put_object(Bucket=bucket, Key="requirements.txt", Body=b"pendulum\n")["VersionId"]
    s3.put_object(Bucket=bucket, Key="requirements.txt", Body=b"zstandard\n")   # a newer, not yet applied file
    s3.put_object(Bucket=bucket, Key="plugins.zip", Body=_zip({"my_plugin.py": "# plugin\n"}))
    env = {"SourceBucketArn": f"arn:aws:s3:::{bucket}", "DagS3Path": "dags", "RequirementsS3Path": "requirements.txt",
           "RequirementsS3ObjectVersion": old, "PluginsS3Path": "plugins.zip",
           "AirflowConfigurationOptions": {"core.parallelism": 8}}
    got = inputs.from_environment(env, tmp_path, "us-east-1")
    assert sorted(p.relative_to(got.dags_dir).as_posix() for p in got.dags_dir.rglob("*.py")) == [
        "etl.py", "sub/helper.py"]
    assert got.requirements is not None and got.requirements.read_text() == "pendulum\n"
    assert got.plugins_dir is not None and (got.plugins_dir / "my_plugin.py").exists()
    assert got.config_options == {"core.parallelism": "8"} and got.source == f"s3://{bucket}/dags/"

    s3.put_object(Bucket=bucket, Key="evil.zip", Body=_zip({"../escape.py": "x"}))
    with pytest.raises(inputs.InputError, match="unsafe member"):
        inputs.from_environment({**env, "PluginsS3Path": "evil.zip"}, tmp_path / "again", "us-east-1")
    assert not (tmp_path / "escape.py").exists()


def test_local_inputs_are_checked(tmp_path: Path) -> None:
    with pytest.raises(inputs.InputError, match="not a directory"):
        inputs.local(tmp_path / "missing", None, None, {})
    with pytest.raises(inputs.InputError, match="JSON object"):
        inputs.parse_config_options('{"no_section": "1"}')
    assert inputs.parse_config_options('{"webserver.web_server_port": 8080}') == {"webserver.web_server_port": "8080"}
