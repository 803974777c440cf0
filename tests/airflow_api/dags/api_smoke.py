"""Airflow DAGs for the REST client tests: one that echoes its conf and one that fails when asked to."""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task


@dag(dag_id="api_smoke", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
     tags=["test"])
def api_smoke() -> None:
    @task
    def echo_conf(**context: object) -> dict:
        conf = context["dag_run"].conf or {}  # type: ignore[attr-defined]
        if conf.get("fail"):
            raise RuntimeError("failing on request (conf.fail)")
        return dict(conf)

    echo_conf()


api_smoke()
