"""Variables/connections files: validated as a whole before any call, secrets kept out of every output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from stub_http import Reply, Seen, stub

from mwaa_platform.airflow_api import importer
from mwaa_platform.airflow_api.cli import group


def test_connection_uri_and_mapping_forms() -> None:
    conns = importer.parse_connections({
        "warehouse": "postgres://etl:p%40ss@db.internal:5432/sales?sslmode=require",
        "api": {"conn_type": "http", "host": "api.example.com", "port": "443", "extra": {"timeout": 5}},
    })
    assert conns["warehouse"] == {"connection_id": "warehouse", "conn_type": "postgres", "host": "db.internal",
                                  "login": "etl", "password": "p@ss", "port": 5432, "schema": "sales",
                                  "extra": '{"sslmode": "require"}'}
    assert conns["api"] == {"connection_id": "api", "conn_type": "http", "host": "api.example.com", "port": 443,
                            "extra": '{"timeout": 5}'}


@pytest.mark.parametrize(("doc", "match"), [
    ({"c": {"host": "h"}}, "conn_type is required"),
    ({"c": {"conn_type": "http", "port": 70000}}, "port must be an integer"),
    ({"c": {"conn_type": "http", "passwd": "x"}}, "unknown fields"),
    ({"bad id": {"conn_type": "http"}}, "invalid connection id"),
    ({"c": 42}, "mapping of fields or a URI"),
    ([1, 2], "one mapping"),
])
def test_bad_connections_rejected(doc: object, match: str) -> None:
    with pytest.raises(importer.ImportFileError, match=match):
        importer.parse_connections(doc)


def test_variables_values_and_bad_files(tmp_path: Path) -> None:
    assert importer.parse_variables({"a": "x", "b": {"k": [1]}, "c": 3}) == {"a": "x", "b": '{"k": [1]}', "c": "3"}
    with pytest.raises(importer.ImportFileError, match="null value"):
        importer.parse_variables({"a": None})
    broken = tmp_path / "vars.yaml"
    broken.write_text("a: [unclosed\nb: 2\n")
    with pytest.raises(importer.ImportFileError, match="not valid YAML"):
        importer.load_document(broken)
    other = tmp_path / "vars.txt"
    other.write_text("a=1")
    with pytest.raises(importer.ImportFileError, match=r"use a \.json, \.yaml or \.yml"):
        importer.load_document(other)


def test_malformed_file_makes_no_call(tmp_path: Path) -> None:
    path = tmp_path / "conns.json"
    path.write_text(json.dumps({"good": {"conn_type": "http"}, "bad": {"conn_type": "http", "port": "x"}}))
    with stub(lambda req, i: Reply(200, {})) as srv:
        result = CliRunner().invoke(group, ["--url", srv.url, "--username", "u", "--api-version", "v1",
                                            "connections", "import", str(path)], env={"AIRFLOW_PASSWORD": "p"})
    assert result.exit_code == 1 and "port must be an integer" in result.output
    assert srv.seen == []


def test_server_rejections_are_reported_without_the_secret(tmp_path: Path) -> None:
    def answer(req: Seen, i: int) -> Reply:
        body = json.loads(req.body or b"{}")
        if req.method == "PATCH":
            return Reply(404, {"detail": "Variable not found"})
        if body.get("key") == "token":  # a server that echoes the rejected value back
            return Reply(400, {"detail": f"value {body['value']} is not allowed"})
        return Reply(200, body)

    path = tmp_path / "vars.json"
    path.write_text(json.dumps({"token": "tok-SECRET-123", "plain": "ok"}))
    with stub(answer) as srv:
        result = CliRunner().invoke(group, ["--url", srv.url, "--username", "u", "--api-version", "v1",
                                            "variables", "import", str(path)], env={"AIRFLOW_PASSWORD": "p"})
    assert result.exit_code == 1
    assert "1 created, 0 updated, 1 failed" in result.output
    assert "FAILED  token: BadRequestError" in result.output and "***" in result.output
    assert "SECRET" not in result.output
