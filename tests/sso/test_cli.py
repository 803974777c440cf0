"""``mwaa-platform sso grant|revoke|list`` against the authorization table in the emulator."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mwaa_platform.cli import main

pytestmark = pytest.mark.emulator


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, ["sso", *args], catch_exceptions=False)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def test_grant_list_revoke_cycle(table_name: str) -> None:
    t = ("--table", table_name)
    assert run("grant", *t, "--user", "Alice@Example.com", "-e", "dev", "-r", "admin") == \
        "granted: user:alice@example.com -> dev as Admin\n"
    assert run("grant", *t, "--user", "alice@example.com", "-e", "dev", "-r", "Admin").startswith("unchanged")
    assert run("grant", *t, "--group", "data-eng", "-e", "prod", "-r", "Viewer").startswith("granted")
    rows = [json.loads(line) for line in run("list", *t, "--json").splitlines()]
    assert [(r["environment"], r["principal"], r["rbac_role"]) for r in rows] == [
        ("dev", "user:alice@example.com", "Admin"), ("prod", "group:data-eng", "Viewer")]
    assert rows[0]["granted_by"].startswith("arn:aws:") and rows[0]["granted_at"].endswith("Z")
    assert "1 grant(s)" in run("list", *t, "--environment", "prod")
    assert "1 grant(s)" in run("list", *t, "--user", "alice@example.com")
    assert run("revoke", *t, "--group", "data-eng", "-e", "prod") == "revoked: group:data-eng -> prod\n"
    assert run("revoke", *t, "--group", "data-eng", "-e", "prod").startswith("nothing to revoke")
    assert "1 grant(s)" in run("list", *t)


def test_table_from_environment_variable(table_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_SSO_TABLE", table_name)
    assert run("grant", "--group", "ops", "-e", "prod", "-r", "Op").startswith("granted")
    assert "1 grant(s)" in run("list")


@pytest.mark.parametrize(("args", "message"), [
    (["grant", "--user", "a@b.c", "-e", "dev", "-r", "Root"], "'Root' is not one of"),
    (["grant", "--user", "a@b.c", "--group", "g", "-e", "dev", "-r", "Op"], "not both"),
    (["grant", "-e", "dev", "-r", "Op"], "--user EMAIL_OR_ID or --group NAME"),
    (["grant", "--user", "a b", "-e", "dev", "-r", "Op"], "without spaces"),
    (["grant", "--user", "a@b.c", "-e", "Prod!", "-r", "Op"], "environment key"),
    (["revoke", "--user", "a@b.c", "-e", "logout"], "environment key"),
])
def test_bad_input_is_refused_without_writing(table_name: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sso", *args, "--table", table_name])
    assert result.exit_code == 2
    assert message in result.output
    assert "0 grant(s)" in run("list", "--table", table_name)


def test_table_is_required(monkeypatch: pytest.MonkeyPatch, aws_env: dict[str, str]) -> None:
    monkeypatch.delenv("MWAA_SSO_TABLE", raising=False)
    result = CliRunner().invoke(main, ["sso", "list"])
    assert result.exit_code == 2 and "--table or MWAA_SSO_TABLE" in result.output
