"""``mwaa-platform crossaccount write-redshift-secret``: the Airflow Redshift connection from Terraform outputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError

from mwaa_platform.crossaccount.connection import InputError
from mwaa_platform.crossaccount.secret_writer import load_outputs, write_connection_secret


@click.group(help="Cross-account data pipeline (modules/cross-account-data, dags/data_pipeline.py).")
def group() -> None:
    """Cross-account data pipeline tools."""


def _outputs_text(outputs_file: Path | None, terraform_dir: Path | None) -> str:
    if (outputs_file is None) == (terraform_dir is None):
        raise click.UsageError("give exactly one of --outputs-file (terraform output -json) or --terraform-dir")
    if outputs_file is not None:
        return outputs_file.read_text()
    try:
        proc = subprocess.run(["terraform", "output", "-json", "-no-color"], cwd=terraform_dir, capture_output=True,
                              text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise click.ClickException(f"terraform output failed: {exc}") from None
    if proc.returncode != 0:
        raise click.ClickException(f"terraform output -json failed in {terraform_dir}: {proc.stderr.strip()[-500:]}")
    return proc.stdout


@group.command("write-redshift-secret")
@click.option("--outputs-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON from `terraform output -json` of the stack.")
@click.option("--terraform-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Run `terraform output -json` in this initialised directory instead.")
def write_redshift_secret(outputs_file: Path | None, terraform_dir: Path | None) -> None:
    """Write redshift://user:***@host:port/db into the Airflow connection secret (password never printed)."""
    try:
        outputs = load_outputs(_outputs_text(outputs_file, terraform_dir))
        result = write_connection_secret(outputs)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise click.ClickException(f"AWS refused {exc.operation_name}: {error.get('Code')}") from None
    except BotoCoreError as exc:
        raise click.ClickException(f"AWS call failed: {type(exc).__name__}") from None
    if result.changed:
        click.echo(f"updated {result.secret_arn} (version {result.version_id}): {result.uri_redacted}")
    else:
        click.echo(f"unchanged {result.secret_arn}: {result.uri_redacted}")
