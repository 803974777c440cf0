"""What an upgrade check reads: the DAGs folder, requirements.txt, plugins and configuration options, either
from local paths or from the environment itself (GetEnvironment, then its S3 bucket, into a temporary folder)."""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform import aws


class InputError(ValueError):
    """An input is missing or malformed (nothing was changed)."""


@dataclass
class Inputs:
    dags_dir: Path
    requirements: Path | None = None
    plugins_dir: Path | None = None
    config_options: dict[str, str] = field(default_factory=dict)
    source: str = "local"


def parse_config_options(text: str | None) -> dict[str, str]:
    """``--config-options``: a JSON object, or @FILE holding one; keys ``section.key``, values strings."""
    if not text:
        return {}
    try:
        raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--config-options file cannot be read as UTF-8 text: {type(exc).__name__}") from None
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"--config-options is not JSON: {type(exc).__name__}") from None
    if not isinstance(doc, dict) or not all(isinstance(k, str) and "." in k for k in doc):
        raise InputError('--config-options must be a JSON object of "section.key": "value"')
    return {k: str(v) for k, v in doc.items()}


def local(dags_dir: Path, requirements: Path | None, plugins_dir: Path | None, options: dict[str, str]) -> Inputs:
    if not dags_dir.is_dir():
        raise InputError(f"--dags-dir {dags_dir} is not a directory")
    if requirements is not None and not requirements.is_file():
        raise InputError(f"--requirements {requirements} is not a file")
    if plugins_dir is not None and not plugins_dir.is_dir():
        raise InputError(f"--plugins-dir {plugins_dir} is not a directory")
    return Inputs(dags_dir, requirements, plugins_dir, dict(options))


def _download(s3: Any, bucket: str, key: str, dest: Path, version: str | None = None) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    extra = {"VersionId": version} if version else {}
    body = s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    dest.write_bytes(body)
    return dest


def from_environment(env: dict[str, Any], workdir: Path, region: str | None = None) -> Inputs:
    """Download the environment's DAGs, requirements and plugins (the versions it runs) into ``workdir``."""
    bucket = str(env["SourceBucketArn"]).split(":::", 1)[-1]
    s3 = aws.client("s3", region)
    dags = workdir / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    prefix = str(env.get("DagS3Path") or "dags").strip("/") + "/"
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(prefix):]
                if rel and not rel.endswith("/") and ".." not in Path(rel).parts:
                    _download(s3, bucket, obj["Key"], dags / rel)
        requirements = None
        if env.get("RequirementsS3Path"):
            requirements = _download(s3, bucket, env["RequirementsS3Path"], workdir / "requirements.txt",
                                     env.get("RequirementsS3ObjectVersion"))
        plugins = None
        if env.get("PluginsS3Path"):
            archive = _download(s3, bucket, env["PluginsS3Path"], workdir / "plugins.zip",
                                env.get("PluginsS3ObjectVersion"))
            plugins = workdir / "plugins"
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise InputError(f"plugins.zip has an unsafe member name: {member!r}")
                zf.extractall(plugins)  # member names checked above
    except (ClientError, BotoCoreError) as exc:
        raise InputError(f"cannot read the environment's files from s3://{bucket}: {exc}") from None
    options = {k: str(v) for k, v in (env.get("AirflowConfigurationOptions") or {}).items()}
    return Inputs(dags, requirements, plugins, options, source=f"s3://{bucket}/{prefix}")


def temporary_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="upgrade-inputs-")
