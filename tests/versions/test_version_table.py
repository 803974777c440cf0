"""The version table is the one source: every reader agrees with it, and the version-change rules are MWAA's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mwaa_platform import versions
from mwaa_platform.versions import generate

ROOT = Path(__file__).resolve().parents[2]


def test_generated_files_are_current() -> None:
    assert generate.stale(ROOT) == [], "run `make versions`"


def test_check_fails_when_the_module_copy_drifts(tmp_path: Path) -> None:
    for rel in ("README.md", "modules/mwaa-environment/airflow_versions.json",
                "modules/mwaa-environment/tests/airflow_versions.tftest.hcl"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((ROOT / rel).read_text())
    assert generate.main(["--check", "--root", str(tmp_path)]) == 0
    copy = tmp_path / "modules/mwaa-environment/airflow_versions.json"
    copy.write_text(copy.read_text().replace('"3.0.6",', "", 1))
    assert generate.main(["--check", "--root", str(tmp_path)]) == 1
    assert generate.main(["--root", str(tmp_path)]) == 0
    assert generate.stale(tmp_path) == []


def test_every_constraints_file_and_only_those_are_in_the_table() -> None:
    shipped = {p.name for p in (ROOT / "airflow" / "constraints").glob("constraints-*.txt")}
    named = {r.constraints for r in versions.all_versions().values() if r.constraints}
    assert shipped == named
    for row in versions.all_versions().values():
        if row.constraints:
            match = re.fullmatch(r"constraints-(?P<af>[\d.]+)-py(?P<py>[\d.]+)\.txt", row.constraints)
            assert match and (match["af"], match["py"]) == (row.version, row.python)


def test_python_follows_mwaa() -> None:
    for row in versions.all_versions().values():
        if row.parts >= (2, 11, 0):
            assert row.python == "3.12", row.version
        elif row.parts >= (2, 7, 0):
            assert row.python == "3.11", row.version


def test_what_mwaa_offers_today() -> None:
    assert versions.offered() == ["2.9.2", "2.10.1", "2.10.3", "2.11.0", "3.0.6", "3.2.1"]
    assert versions.latest(2) == "2.11.0" and versions.latest(3) == "3.2.1"
    assert versions.latest(3, include_image_only=True) == "3.3.1"
    assert versions.default_version() in versions.offered()


@pytest.mark.parametrize(("current", "target", "path"), [
    ("2.10.3", "2.10.3", "none"),
    ("2.10.1", "2.11.0", "in_place"),
    ("2.11.0", "2.10.3", "in_place"),
    ("2.11.0", "3.2.1", "in_place"),
    ("2.11.2", "3.0.6", "in_place"),
    ("2.10.3", "3.2.1", "new_environment"),
    ("2.9.2", "3.0.6", "new_environment"),
    ("3.2.1", "2.11.0", "in_place"),
    ("3.2.1", "3.0.6", "in_place"),
    ("3.0.6", "2.10.3", "new_environment"),
])
def test_change_paths_are_mwaas(current: str, target: str, path: str) -> None:
    assert versions.change_path(current, target) == path
    refusal = versions.change_refusal(current, target)
    assert (refusal is None) == (path != "new_environment")
    if refusal:
        assert "2.11" in refusal


@pytest.mark.parametrize("bad", ["3", "3.2", "v3.2.1", "3.2.1.1", "", "latest"])
def test_malformed_versions_are_refused(bad: str) -> None:
    with pytest.raises(versions.UnknownVersionError, match="not an Airflow version"):
        versions.get(bad)


def test_unknown_but_well_formed_version_names_the_known_ones() -> None:
    with pytest.raises(versions.UnknownVersionError, match=r"3\.2\.1"):
        versions.get("3.1.0")


def test_dags_check_parses_with_the_newest_of_each_major() -> None:
    from mwaa_platform.dag_tooling.cli import DEFAULT_VERSIONS

    assert (versions.latest(2), versions.latest(3)) == DEFAULT_VERSIONS
    for version in DEFAULT_VERSIONS:
        assert (ROOT / "requirements" / f"requirements-{version}.txt").exists(), version


def test_cli_path_and_list() -> None:
    from mwaa_platform.cli import main

    runner = CliRunner()
    done = runner.invoke(main, ["versions", "path", "--from", "2.10.3", "--to", "3.2.1"])
    assert done.exit_code == 0 and done.output.startswith("new_environment")
    done = runner.invoke(main, ["versions", "path", "--from", "2.10.3", "--to", "3.3.1"])
    assert done.exit_code != 0 and "not offered" in done.output
    done = runner.invoke(main, ["versions", "path", "--from", "x", "--to", "3.2.1"])
    assert done.exit_code == 2 and "not an Airflow version" in done.output
    done = runner.invoke(main, ["versions", "list", "--json"])
    assert done.exit_code == 0 and '"3.2.1"' in done.output
