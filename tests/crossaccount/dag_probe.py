"""Runs INSIDE an Airflow runtime: ``python dag_probe.py <dag file> <config.json>``. Parses the DAG folder
the way MWAA does (DagBag, safe mode), describes the data_pipeline DAG, renders its templated fields with
the given pipeline variable, and round-trips JSON connections (as the Secrets Manager backend reads them)
through Airflow's Connection. Prints one JSON
line prefixed with MARKER. Standard library + Airflow only."""

from __future__ import annotations

import json
import os
import sys
import warnings

MARKER = "XACCT-DAG-PROBE "
RENDERED = {
    "wait_for_input": ["bucket_name", "bucket_key"],
    "crawl_input": ["config"],
    "wait_for_crawl": ["crawler_name"],
    "transform": ["job_name", "script_args"],
    "wait_for_transform": ["job_name"],
    "load_to_redshift": ["workgroup_name", "database", "sql"],
    "clean_up_staging": ["sql", "conn_id"],
    "unload_to_producer": ["s3_bucket", "s3_key", "select_query", "unload_options", "redshift_conn_id"],
}
ATTRS = ["deferrable", "mode", "verbose", "wait_for_completion", "aws_conn_id", "poke_interval", "timeout"]


def _plain(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def main() -> None:
    dag_file, config_file = os.path.abspath(sys.argv[1]), sys.argv[2]
    with open(config_file) as fh:
        spec = json.load(fh)
    warnings.simplefilter("ignore")
    from importlib.metadata import version

    from airflow.models.connection import Connection
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=os.path.dirname(dag_file), include_examples=False, safe_mode=True)
    out: dict[str, object] = {
        "airflow_version": version("apache-airflow"),
        "import_errors": {os.path.basename(k): str(v)[-2000:] for k, v in bag.import_errors.items()},
        "dag_ids": sorted(bag.dags),
    }
    dag = bag.dags.get("data_pipeline")
    if dag is not None:
        context = {"var": {"json": {"data_pipeline": spec["config"]}}, "ds": spec["ds"]}
        tasks = {}
        for task in dag.tasks:
            info = {
                "type": type(task).__name__,
                "trigger_rule": str(getattr(task.trigger_rule, "value", task.trigger_rule)),
                "upstream": sorted(task.upstream_task_ids),
                "attrs": {a: _plain(getattr(task, a)) for a in ATTRS if hasattr(task, a)},
                # RedshiftToS3Operator keeps it private in newer providers
                "aws_conn": getattr(task, "aws_conn_id", None) or getattr(task, "_aws_conn_id", None),
                "rendered": {f: _plain(task.render_template(getattr(task, f), context))
                             for f in RENDERED.get(task.task_id, [])},
            }
            tasks[task.task_id] = info
        out["tasks"] = tasks
        out["schedule"] = str(getattr(dag, "schedule_interval", None) or getattr(dag, "timetable", None))
        out["catchup"] = dag.catchup
    parsed = []
    for value in spec["connections"]:
        conn = Connection.from_json(value, conn_id="probe")
        parsed.append({"conn_type": conn.conn_type, "host": conn.host, "port": conn.port, "schema": conn.schema,
                       "login": conn.login, "password": conn.password, "extra": conn.extra_dejson})
    out["connections"] = parsed
    print(MARKER + json.dumps(out))


if __name__ == "__main__":
    main()
