"""Authorization matrix against DynamoDB in the session emulator: user/group -> environment -> Airflow role."""

from __future__ import annotations

import pytest

from mwaa_platform.sso.authz import AuthorizationTable, group_principal, principals_from_claims, user_principal
from sso.albtokens import KeyServer, SigningKey, alb_token
from sso.helpers import ACCESS_ROLES, RecordingLogin, build_app, get

pytestmark = pytest.mark.emulator

GRANTS = [
    ("user:alice@example.com", "dev", "Admin"),
    ("group:data-eng", "dev", "Viewer"),
    ("group:data-eng", "prod", "Viewer"),
    ("group:ops", "prod", "Op"),
    ("user:bob@example.com", "prod", "Admin"),      # prod does not allow Admin: never honoured
    ("user:carol@example.com", "stage", "User"),
    ("user:carol@example.com", "unknown-env", "Admin"),  # not an environment of this ALB: never honoured
]

# (email claim, groups claim, environment, requested role, expected role or None for 403)
MATRIX = [
    ("alice@example.com", [], "dev", None, "Admin"),
    ("alice@example.com", [], "prod", None, None),
    ("alice@example.com", [], "stage", None, None),
    ("ALICE@Example.COM", [], "dev", None, "Admin"),
    ("alice@example.com", ["data-eng"], "dev", None, "Admin"),
    ("alice@example.com", ["data-eng"], "prod", None, "Viewer"),
    ("alice@example.com", [], "dev", "viewer", "Viewer"),
    ("alice@example.com", [], "dev", "Public", None),       # lower, but dev does not allow Public
    ("dave@example.com", ["data-eng", "ops"], "dev", None, "Viewer"),
    ("dave@example.com", ["data-eng", "ops"], "prod", None, "Op"),
    ("dave@example.com", "data-eng, ops", "prod", None, "Op"),   # groups as one comma-separated string
    ("dave@example.com", ["data-eng", "ops"], "prod", "Admin", None),
    ("dave@example.com", ["data-eng"], "prod", "Op", None),
    ("eve@example.com", ["DATA-ENG"], "dev", None, None),  # group names are exact
    ("eve@example.com", [], "dev", None, None),
    ("bob@example.com", [], "prod", None, None),
    ("carol@example.com", [], "stage", None, "User"),
    ("carol@example.com", [], "stage", "Public", "Public"),
]


@pytest.fixture
def granted_table(table_name: str) -> str:
    table = AuthorizationTable(table_name)
    for principal, env, role in GRANTS:
        table.client.put_item(TableName=table_name, Item={
            "principal": {"S": principal}, "environment": {"S": env}, "rbac_role": {"S": role}})
    return table_name


@pytest.mark.parametrize(("email", "groups", "env", "requested", "expected"), MATRIX)
def test_authorization_matrix(granted_table: str, keys: KeyServer, signing_key: SigningKey, email: str,
                              groups: list[str] | str, env: str, requested: str | None, expected: str | None) -> None:
    login = RecordingLogin()
    app = build_app(granted_table, keys, login)
    token = alb_token(signing_key, {"sub": "x", "email": email, "groups": groups})
    response = get(app, f"/{env}", token, query={"role": requested} if requested else None)
    if expected is None:
        assert response.status == 403, response.body
        assert login.calls == []
        assert "Access denied" in response.body
    else:
        assert response.status == 302, response.body
        mwaa_name = {"dev": "dev-airflow", "prod": "prod-airflow", "stage": "stage_airflow"}[env]
        region = "us-west-2" if env == "prod" else "us-east-1"
        assert login.calls == [(mwaa_name, region, ACCESS_ROLES[expected], email.lower())]
        assert response.headers["Location"][0].startswith(f"https://{mwaa_name}.example/aws_mwaa/aws-console-sso")


def test_index_lists_exactly_the_openable_environments(granted_table: str, keys: KeyServer,
                                                       signing_key: SigningKey) -> None:
    app = build_app(granted_table, keys)
    body = get(app, "/", alb_token(signing_key, {"email": "alice@example.com", "groups": ["data-eng"]})).body
    assert 'href="/dev"' in body and "as Admin" in body
    assert 'href="/prod"' in body and "as Viewer" in body
    assert 'href="/stage"' not in body
    nobody = get(app, "/", alb_token(signing_key, {"email": "bob@example.com"}))
    assert nobody.status == 403 and "No environments" in nobody.body


def test_host_header_selects_the_environment(granted_table: str, keys: KeyServer, signing_key: SigningKey) -> None:
    login = RecordingLogin()
    app = build_app(granted_table, keys, login)
    token = alb_token(signing_key, {"email": "dave@example.com", "groups": ["ops"]})
    assert get(app, "/", token, host="prod.airflow.test:443").status == 302
    assert login.calls[0][0] == "prod-airflow"
    # a path names its environment on any host; other paths on the host are not logins
    assert get(app, "/dev", token, host="prod.airflow.test").status == 403
    assert get(app, "/favicon.ico", token, host="prod.airflow.test").status == 404
    assert len(login.calls) == 1


def test_table_operations_are_idempotent(table_name: str) -> None:
    table = AuthorizationTable(table_name)
    alice = user_principal("Alice@Example.com")
    assert table.grant(alice, "dev", "viewer", granted_by="tester") == "granted"
    assert table.grant(alice, "dev", "Viewer") == "unchanged"
    assert table.grant(alice, "dev", "Op") == "changed"
    assert table.grant(group_principal("ops"), "prod", "Op") == "granted"
    assert [(g.principal, g.environment, g.rbac_role) for g in table.list()] == [
        ("user:alice@example.com", "dev", "Op"), ("group:ops", "prod", "Op")]
    assert [g.environment for g in table.list(principal=alice)] == ["dev"]
    assert [g.principal for g in table.list(environment="prod")] == ["group:ops"]
    assert table.list(principal=alice, environment="prod") == []
    assert table.revoke(alice, "dev") is True
    assert table.revoke(alice, "dev") is False
    assert [g.principal for g in table.list()] == ["group:ops"]


def test_bad_grants_are_refused_without_writing(table_name: str) -> None:
    table = AuthorizationTable(table_name)
    with pytest.raises(ValueError, match="unknown Airflow role"):
        table.grant("user:a@b.c", "dev", "Superuser")
    with pytest.raises(ValueError, match="environment key"):
        table.grant("user:a@b.c", "Dev Env", "Viewer")
    with pytest.raises(ValueError, match="environment key"):
        table.grant("user:a@b.c", "logout", "Viewer")
    assert table.list() == []


def test_lookup_batches_many_groups(table_name: str) -> None:
    table = AuthorizationTable(table_name)
    table.grant(group_principal("g-249"), "dev", "Op")
    principals = principals_from_claims({"email": "x@y.z", "groups": [f"g-{i}" for i in range(250)]},
                                        "email", "groups")
    assert len(principals) == 251
    grants = table.grants_for(principals, ["dev", "prod"])  # 502 keys: 6 BatchGetItem calls
    assert [(g.principal, g.rbac_role) for g in grants] == [("group:g-249", "Op")]


def test_principals_from_claims() -> None:
    assert principals_from_claims({"email": "A@B.C", "groups": ["x", "x", " y "]}, "email", "groups") == [
        "user:a@b.c", "group:x", "group:y"]
    assert principals_from_claims({"sub": "Ab12"}, "sub", "groups") == ["user:Ab12"]
    with pytest.raises(ValueError, match="no 'email' claim"):
        principals_from_claims({"sub": "x"}, "email", "groups")
