"""``mwaa-platform dags``: check DAGs in real Airflow versions; build and localize environment assets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mwaa_platform import versions as _versions

# the newest offered version of each major line (from the version table)
DEFAULT_VERSIONS = tuple(_versions.latest(major) for major in (2, 3))


@click.group("dags")
def group() -> None:
    """DAG tooling: parse checks in real Airflow, plugins.zip, requirements for local installs."""


@group.command("check")
@click.option("--airflow-version", "versions", multiple=True, default=DEFAULT_VERSIONS, show_default=True,
              help="Airflow version(s) to parse with (repeat the option).")
@click.option("--dags-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("dags"),
              show_default=True)
@click.option("--plugins-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Plugins folder to load (e.g. plugins/).")
@click.option("--requirements", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Requirements to add to the runtime (default: requirements/requirements-<version>.txt).")
@click.option("--no-install", is_flag=True, help="Use the runtime as it is (no uv install).")
@click.option("--json", "as_json", is_flag=True)
def check_cmd(versions: tuple[str, ...], dags_dir: Path, plugins_dir: Path | None, requirements: Path | None,
              no_install: bool, as_json: bool) -> None:
    """Fail on import errors and on files DagBag's safe mode silently skips, in each Airflow version."""
    from mwaa_platform.airflow_runtime import RuntimeUnavailableError
    from mwaa_platform.dag_tooling.assets import AssetError
    from mwaa_platform.dag_tooling.check import CheckError, check

    results = []
    for version in versions:
        try:
            results.append(check(version, dags_dir, plugins_dir, requirements, install=not no_install))
        except (CheckError, RuntimeUnavailableError, AssetError) as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in results], indent=1))
    else:
        for result in results:
            for line in result.lines():
                click.echo(line)
    if not all(r.ok for r in results):
        sys.exit(1)


@group.command("localize-requirements")
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def localize_cmd(src: Path, dest: Path) -> None:
    """Rewrite SRC's GitHub --constraint URL to the shipped constraints file, into DEST."""
    from mwaa_platform.dag_tooling.assets import AssetError, localize_requirements

    try:
        click.echo(localize_requirements(src, dest))
    except AssetError as exc:
        raise click.ClickException(str(exc)) from None


@group.command("plugins-zip")
@click.option("--src", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("plugins"),
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("build/plugins.zip"),
              show_default=True)
def plugins_zip_cmd(src: Path, out: Path) -> None:
    """Build a deterministic plugins.zip from SRC."""
    from mwaa_platform.dag_tooling.assets import AssetError, build_plugins_zip

    try:
        digest = build_plugins_zip(src, out)
    except AssetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{out} sha256={digest}")
