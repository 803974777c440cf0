"""Small Airflow 2.10 metadata written with SQL (and Fernet from ``cryptography``), for the engine tests.

Shapes that matter for DR: ids with gaps, a deferred task with its (encrypted) trigger, a retried task with
its task_fail row, multi-line text with tabs and pipes, XComs keyed by dag_run.id, dataset events, notes
(one written by a UI user that the target does not have), variables and connections encrypted with the
source key, paused and active DAGs.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import psycopg2
from cryptography.fernet import Fernet

SECRET_PASSWORD = "pw-S3CR3T-%d"
SECRET_VALUE = "value-T0PSECRET-%d"
SECRET_TRIGGER = "2031-07-07T00:00:00+00:00"


def connect(dsn: str) -> Any:
    conn = psycopg2.connect(dsn)
    conn.autocommit = False
    return conn


def populate(dsn: str, fernet_key: str, runs_per_dag: int = 5, tasks: int = 6) -> dict[str, Any]:
    f = Fernet(fernet_key.encode())
    conn = connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("""INSERT INTO dag (dag_id, is_paused, is_subdag, is_active, fileloc, default_view,
                                        max_active_tasks, max_active_runs, has_task_concurrency_limits,
                                        max_consecutive_failed_dag_runs)
                       SELECT format('dag_%s', d), d = 2, false, true, format('/dags/dag_%s.py', d), 'grid',
                              16, 16, false, 0
                       FROM generate_series(0, 3) d""")
        cur.execute("INSERT INTO ab_user (id, first_name, last_name, username, email, active) "
                    "VALUES (7, 'A', 'B', 'alice', 'alice@example.com', true)")
        cur.execute("SELECT setval('job_id_seq', 5000, false)")
        cur.execute("""INSERT INTO job (dag_id, state, job_type, start_date, latest_heartbeat, hostname)
                       SELECT CASE WHEN j = 1 THEN NULL ELSE format('dag_%s', j % 4) END, 'success',
                              CASE WHEN j = 1 THEN 'SchedulerJob' ELSE 'LocalTaskJob' END,
                              timestamptz '2025-01-01' + j * interval '1 minute', timestamptz '2025-01-01', 'host'
                       FROM generate_series(1, 40) j""")
        cur.execute(f"""INSERT INTO dag_run (id, dag_id, run_id, execution_date, state, run_type, external_trigger,
                                             log_template_id, clear_number, start_date, end_date, conf)
                        SELECT 1000 + 7 * (d * {runs_per_dag} + r), format('dag_%s', d),
                               format('scheduled__2025-01-%s', lpad((r + 1)::text, 2, '0')),
                               timestamptz '2025-01-01' + r * interval '1 day',
                               CASE WHEN r = {runs_per_dag} - 1 AND d = 0 THEN 'running' ELSE 'success' END,
                               'scheduled', false, 1, 0, timestamptz '2025-01-01' + r * interval '1 day', NULL, NULL
                        FROM generate_series(0, 3) d, generate_series(0, {runs_per_dag} - 1) r""")
        cur.execute("SELECT setval('dag_run_id_seq', (SELECT max(id) FROM dag_run))")
        cur.execute(f"""INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, try_number, max_tries,
                                                   pool, pool_slots, queue, priority_weight, operator, job_id,
                                                   hostname, unixname, start_date, end_date)
                        SELECT format('task_%s', t), dr.dag_id, dr.run_id, -1,
                               CASE WHEN dr.state = 'running' THEN (ARRAY['running','queued','scheduled'])[1 + t % 3]
                                    ELSE 'success' END,
                               1, 1, 'default_pool', 1, 'default', 1, 'PythonOperator',
                               5000 + (dr.id + t) % 40, 'host', 'airflow', dr.start_date, dr.start_date
                        FROM dag_run dr, generate_series(0, {tasks} - 1) t""")
        cur.execute("""INSERT INTO xcom (dag_run_id, task_id, map_index, key, dag_id, run_id, value, timestamp)
                       SELECT dr.id, ti.task_id, -1, 'return_value', ti.dag_id, ti.run_id,
                              convert_to(json_build_object('run', ti.run_id, 'note', E'tab\\there|pipe\\nline')::text,
                                         'UTF8'), now()
                       FROM task_instance ti JOIN dag_run dr USING (dag_id, run_id) WHERE ti.state = 'success'""")
        cur.execute("""INSERT INTO log (dttm, dag_id, task_id, event, owner, extra)
                       SELECT timestamptz '2025-01-01' + l * interval '1 second', 'dag_1', 'task_1', 'cli',
                              'admin', CASE WHEN l % 7 = 0 THEN E'{"a": "x\\ny", "b": "p|q\\\\r"}' END
                       FROM generate_series(1, 300) l""")
        # a retried task: up_for_retry with the task_fail row of its first try
        cur.execute("""UPDATE task_instance SET state = 'up_for_retry', try_number = 1, max_tries = 2
                       WHERE dag_id = 'dag_1' AND task_id = 'task_2' AND run_id = 'scheduled__2025-01-01'""")
        cur.execute("""INSERT INTO task_fail (task_id, dag_id, run_id, map_index, start_date, end_date, duration)
                       VALUES ('task_2', 'dag_1', 'scheduled__2025-01-01', -1, now(), now(), 3)""")
        # a deferred task with its encrypted trigger (ids with a gap)
        cur.execute("SELECT setval('trigger_id_seq', 90, false)")
        kwargs = json.dumps({"__var": {"moment": {"__var": SECRET_TRIGGER, "__type": "datetime"}}, "__type": "dict"})
        cur.execute("""INSERT INTO trigger (classpath, kwargs, created_date, triggerer_id)
                       VALUES ('airflow.triggers.temporal.DateTimeTrigger', %s, now(), 5001) RETURNING id""",
                    (f.encrypt(kwargs.encode()).decode(),))
        trigger_id = cur.fetchone()[0]
        cur.execute("""UPDATE task_instance SET state = 'deferred', trigger_id = %s, next_method = 'execute_complete',
                              next_kwargs = '{"__var": {}, "__type": "dict"}'::json
                       WHERE dag_id = 'dag_0' AND task_id = 'task_1' AND state <> 'success'""", (trigger_id,))
        cur.execute("INSERT INTO dataset (uri, extra, created_at, updated_at, is_orphaned) "
                    "VALUES ('s3://lake/a', '{}', now(), now(), false), ('s3://lake/b', '{}', now(), now(), false)")
        cur.execute("""INSERT INTO dataset_event (dataset_id, extra, source_task_id, source_dag_id, source_run_id,
                                                  source_map_index, timestamp)
                       SELECT (SELECT max(id) FROM dataset), '{}', 'task_0', dag_id, run_id, -1, now()
                       FROM dag_run WHERE dag_id = 'dag_3'""")
        cur.execute("""INSERT INTO dag_run_note (user_id, dag_run_id, content, created_at, updated_at)
                       SELECT CASE WHEN id % 2 = 0 THEN 7 END, id, 'looked at it', now(), now()
                       FROM dag_run WHERE dag_id = 'dag_2'""")
        cur.execute("INSERT INTO slot_pool (pool, slots, description, include_deferred) "
                    "VALUES ('etl', 5, 'etl', false)")
        for i in range(6):
            cur.execute("INSERT INTO variable (key, val, description, is_encrypted) VALUES (%s, %s, %s, true)",
                        (f"var_{i}", f.encrypt((SECRET_VALUE % i).encode()).decode(), None if i % 2 else "d"))
        cur.execute("INSERT INTO variable (key, val, is_encrypted) VALUES ('plain_var', 'stored-unencrypted', false)")
        for i in range(4):
            cur.execute("""INSERT INTO connection (conn_id, conn_type, host, login, password, extra, is_encrypted,
                                                   is_extra_encrypted, port)
                           VALUES (%s, 'postgres', 'db', 'u', %s, %s, true, true, 5432)""",
                        (f"conn_{i}", f.encrypt((SECRET_PASSWORD % i).encode()).decode(),
                         f.encrypt(json.dumps({"token": f"tok-{i}"}).encode()).decode()))
    conn.close()
    return {"trigger_id": trigger_id}


def table_fingerprints(dsn: str, tables: list[str], exclude: dict[str, list[str]] | None = None,
                       where: str | None = None) -> dict[str, Counter[str]]:
    """Per table: multiset of md5(row) over all columns except the excluded ones (e.g. Fernet tokens);
    ``where`` filters tables that have a dag_id column."""
    exclude = exclude or {}
    conn = connect(dsn)
    out: dict[str, Counter[str]] = {}
    with conn, conn.cursor() as cur:
        for table in tables:
            cur.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", (table,))
            described = cur.fetchall()
            cols = [f'"{n}"::text' if t.startswith("json") else f'"{n}"' for n, t in described
                    if n not in exclude.get(table, [])]
            flt = f" WHERE {where}" if where and any(n == "dag_id" for n, _ in described) else ""
            cur.execute(f'SELECT md5(ROW({", ".join(cols)})::text) FROM "{table}"{flt}')
            out[table] = Counter(r[0] for r in cur.fetchall())
    conn.close()
    return out


def decrypted_secrets(dsn: str, fernet_key: str) -> dict[str, Any]:
    f = Fernet(fernet_key.encode())
    conn = connect(dsn)
    out: dict[str, Any] = {}
    with conn, conn.cursor() as cur:
        cur.execute("SELECT key, val, is_encrypted FROM variable ORDER BY key")
        out["variable"] = {k: f.decrypt(v.encode()).decode() if enc else v for k, v, enc in cur.fetchall()}
        cur.execute("SELECT conn_id, password, extra FROM connection ORDER BY conn_id")
        out["connection"] = {c: (f.decrypt(p.encode()).decode(), f.decrypt(e.encode()).decode())
                             for c, p, e in cur.fetchall()}
        cur.execute("SELECT id, kwargs FROM trigger ORDER BY id")
        out["trigger"] = {i: f.decrypt(k.encode()).decode() for i, k in cur.fetchall()}
    conn.close()
    return out


def scalar(dsn: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    conn = connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute(sql, params or None)
        row = cur.fetchone()
    conn.close()
    return row[0] if row else None


def execute(dsn: str, *statements: str) -> None:
    conn = connect(dsn)
    with conn, conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
    conn.close()
