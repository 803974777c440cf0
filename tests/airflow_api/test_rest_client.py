"""The REST client against real local Airflow servers: 2.10.3 (/api/v1) and 3.0.6 (/api/v2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from local_airflow import LocalAirflow

from mwaa_platform.airflow_api import importer, loadtest
from mwaa_platform.airflow_api.cli import group
from mwaa_platform.airflow_api.http import RetryPolicy
from mwaa_platform.airflow_api.plain_airflow import DirectTransport
from mwaa_platform.airflow_client import errors
from mwaa_platform.airflow_client.client import AirflowClient, Progress

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module", autouse=True)
def _stop_servers_after_module(airflow_servers: dict[str, LocalAirflow]) -> Iterator[None]:
    yield
    for server in airflow_servers.values():
        server.stop()


def test_detects_api_version_and_lists_dags(server: LocalAirflow, client: AirflowClient) -> None:
    assert client.api_version == ("v2" if server.runtime.major >= 3 else "v1")
    dag_ids = [d["dag_id"] for d in client.list_dags()]
    assert "api_smoke" in dag_ids
    assert len(client.list_dags(limit=1)) == 1


def test_trigger_wait_and_list(server: LocalAirflow, client: AirflowClient) -> None:
    logical = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3, seconds=int(server.port))
    ok = client.trigger("api_smoke", conf={"order": 42, "note": "ok"}, logical_date=logical)
    bad = client.trigger("api_smoke", conf={"fail": True})
    assert ok.run_id.startswith("api__") and ok.run_id != bad.run_id
    seen: list[Progress] = []
    done = client.wait_for_run("api_smoke", ok.run_id, timeout=150, poll_interval=1, on_progress=seen.append)
    assert done.state == "success"
    assert done.conf == {"order": 42, "note": "ok"}
    assert datetime.fromisoformat(done.logical_date.replace("Z", "+00:00")) == logical  # type: ignore[union-attr]
    assert seen and seen[-1].run.state == "success" and seen[-1].task_states == {"success": 1}
    assert "api_smoke" in seen[-1].line()
    failed = client.wait_for_run("api_smoke", bad.run_id, timeout=150, poll_interval=1)
    assert failed.state == "failed"
    listed = {r.run_id: r.state for r in client.list_runs("api_smoke", limit=50)}
    assert listed[ok.run_id] == "success" and listed[bad.run_id] == "failed"


def test_wait_times_out_with_last_state(client: AirflowClient) -> None:
    run = client.trigger("api_smoke", conf={})
    with pytest.raises(errors.WaitTimeoutError) as caught:
        client.wait_for_run("api_smoke", run.run_id, timeout=0.6, poll_interval=0.5)
    assert caught.value.state in {"queued", "running"}


def test_typed_errors(server: LocalAirflow, client: AirflowClient) -> None:
    with pytest.raises(errors.NotFoundError):
        client.trigger("no_such_dag", conf={})
    with pytest.raises(errors.NotFoundError):
        client.get_run("api_smoke", "no_such_run")
    run_id = f"dup__{server.port}"
    client.trigger("api_smoke", run_id=run_id)
    with pytest.raises(errors.ConflictError):
        client.trigger("api_smoke", run_id=run_id)
    with pytest.raises(ValueError, match="timezone"):
        client.trigger("api_smoke", logical_date="2025-01-01T00:00:00")


def test_bad_credentials_raise_auth_error(server: LocalAirflow) -> None:
    wrong = DirectTransport(server.base_url, "admin", "not-the-password", policy=RetryPolicy(retries=0))
    with pytest.raises(errors.AuthError), AirflowClient(wrong) as bad:
        bad.list_dags()


def test_import_variables_and_connections(server: LocalAirflow, client: AirflowClient, tmp_path: Path) -> None:
    tag = server.runtime.major
    variables = tmp_path / "vars.yaml"
    variables.write_text(f"plain_{tag}: hello\nstructured_{tag}:\n  a: 1\n  b: [x, y]\n")
    connections = tmp_path / "conns.json"
    connections.write_text(json.dumps({
        f"db_{tag}": {"conn_type": "postgres", "host": "db.internal", "login": "etl", "password": "s3cr3t-pw-1",
                      "port": 5432, "schema": "sales", "extra": {"sslmode": "require"}},
        f"uri_{tag}": "http://user:uri-pass-2@api.example.com:8443/v1?timeout=5",
    }))
    report = importer.import_variables(client, importer.parse_variables(importer.load_document(variables)))
    assert sorted(report.created) == [f"plain_{tag}", f"structured_{tag}"] and report.ok
    assert client.get_variable(f"plain_{tag}")["value"] == "hello"
    assert json.loads(client.get_variable(f"structured_{tag}")["value"]) == {"a": 1, "b": ["x", "y"]}
    again = importer.import_variables(client, {f"plain_{tag}": "changed"})
    assert again.updated == [f"plain_{tag}"] and client.get_variable(f"plain_{tag}")["value"] == "changed"

    runner = CliRunner()
    args = ["--url", server.base_url, "--username", "admin", "connections", "import", str(connections)]
    result = runner.invoke(group, args, env={"AIRFLOW_PASSWORD": server.password})
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert "s3cr3t-pw-1" not in result.output and "uri-pass-2" not in result.output
    conn = client.get_connection(f"db_{tag}")
    assert (conn["host"], conn["login"], conn["port"], conn["schema"]) == ("db.internal", "etl", 5432, "sales")
    assert json.loads(conn["extra"]) == {"sslmode": "require"}
    uri = client.get_connection(f"uri_{tag}")
    assert (uri["conn_type"], uri["host"], uri["port"], uri["login"]) == ("http", "api.example.com", 8443, "user")
    result = runner.invoke(group, args, env={"AIRFLOW_PASSWORD": server.password})
    assert "2 updated" in result.output, result.output


def test_cli_trigger_wait_and_runs(server: LocalAirflow) -> None:
    runner = CliRunner()
    base = ["--url", server.base_url, "--username", "admin"]
    env = {"AIRFLOW_PASSWORD": server.password}
    result = runner.invoke(group, [*base, "trigger", "api_smoke", "--conf", '{"via": "cli"}', "--wait", "--poll",
                                   "1", "--timeout", "150"], env=env)
    assert result.exit_code == 0, result.output
    run_id = result.output.split()[2]
    assert result.output.strip().endswith(f"api_smoke {run_id}: success")
    result = runner.invoke(group, [*base, "runs", "api_smoke", "--json"], env=env)
    runs = {r["run_id"]: r for r in json.loads(result.output)}
    assert runs[run_id]["state"] == "success" and runs[run_id]["conf"] == {"via": "cli"}
    failed = runner.invoke(group, [*base, "trigger", "api_smoke", "--conf", '{"fail": 1}', "--wait", "--poll", "1",
                                   "--timeout", "150"], env=env)
    assert failed.exit_code == 1 and ": failed" in failed.output


def test_load_test_produces_percentiles_and_plot(server: LocalAirflow, client: AirflowClient,
                                                 tmp_path: Path) -> None:
    call = loadtest.target_call(client, "dags")
    result = loadtest.run(call, qps=5, duration=3, target="dags", max_workers=4)
    summary = result.summary()
    assert summary["requests"] + summary["dropped"] == 15
    assert summary["ok"] >= 10 and summary["errors"] == {}
    p50, p95 = summary["latency_ms"]["p50"], summary["latency_ms"]["p95"]
    assert 0 < p50 <= p95 <= summary["latency_ms"]["max"]
    assert result.wall < 3 + 30  # bounded: the schedule plus at most one request timeout
    png = result.plot(tmp_path / "latency.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_cli_load_test(airflow_servers: dict[str, LocalAirflow], tmp_path: Path) -> None:
    server = airflow_servers["v2"]  # one CLI run is enough; the library run above covers both versions
    out = tmp_path / "cli.png"
    result = CliRunner().invoke(group, ["--url", server.base_url, "--username", "admin", "load-test", "--qps", "4",
                                        "--duration", "2", "--target", "health", "--out", str(out),
                                        "--json-out", str(tmp_path / "s.json")],
                                env={"AIRFLOW_PASSWORD": server.password})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[: result.output.rindex("}") + 1])
    assert summary["requests"] == 8 and summary["ok"] == 8
    assert out.exists() and json.loads((tmp_path / "s.json").read_text())["summary"]["requests"] == 8
