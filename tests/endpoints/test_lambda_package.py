"""The Lambda zip: only the endpoints package and its standard-library/boto3 imports, runnable as Lambda runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from endpoint_helpers import REGION

from mwaa_platform import packaging

# What the AWS Lambda Python runtime provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six.py")


@pytest.fixture(scope="module")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lambda") / "endpoints.zip"
    packaging.build(out, ["endpoints"])
    return out


def test_zip_holds_the_package_and_nothing_of_the_embedded_default(lambda_zip: Path) -> None:
    names = zipfile.ZipFile(lambda_zip).namelist()
    assert "mwaa_platform/endpoints/handler.py" in names
    assert "mwaa_platform/aws.py" in names
    assert all(n.startswith("mwaa_platform/") for n in names)
    assert not [n for n in names if n.startswith("mwaa_local/")]


def test_zip_is_reproducible(lambda_zip: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    assert packaging.build(again, ["endpoints"]) == packaging.build(lambda_zip, ["endpoints"])
    assert again.read_bytes() == lambda_zip.read_bytes()


def test_concurrent_builds_of_one_zip_both_succeed(tmp_path: Path) -> None:
    """Two drills (or a drill beside `make package`) build the same zips at once: each writes its own partial file
    and replaces the zip whole (measured before: FileNotFoundError on the shared ``.zip.partial``)."""
    out = tmp_path / "endpoints.zip"
    code = f"from mwaa_platform import packaging; print(packaging.build(__import__('pathlib').Path({str(out)!r}), " \
           "['endpoints']))"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-500:] for _, err in results]
    assert len({o.strip() for o, _ in results}) == 1  # the same reproducible zip
    assert zipfile.ZipFile(out).testzip() is None and list(tmp_path.glob("*.partial*")) == []


def test_handler_runs_with_only_what_lambda_provides(lambda_zip: Path, tmp_path: Path) -> None:
    code = tmp_path / "code"
    zipfile.ZipFile(lambda_zip).extractall(code)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for name in RUNTIME_PACKAGES:
        if (site / name).exists():
            (runtime / name).symlink_to(site / name)
    script = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(code)!r}, {str(runtime)!r}]\n"
        "try:\n    import click\n    print('click importable')\nexcept ImportError:\n    pass\n"
        "from mwaa_platform.endpoints.handler import handler\n"
        "event = {'source': 'aws.ec2', 'detail-type': 'x', 'detail': {}}\n"
        "print(json.dumps(handler(event, None)))\n"
    )
    env = {"AWS_REGION": REGION, "PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"}
    proc = subprocess.run([sys.executable, "-S", "-I", "-c", script], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert "click importable" not in lines  # the sandbox really lacks the CLI's dependencies
    result = json.loads(lines[-1])
    assert result["action"] == "rejected" and "source" in result["reason"]
