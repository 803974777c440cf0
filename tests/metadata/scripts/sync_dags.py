"""Run inside an Airflow runtime: what a new environment does before any restore - migrate the database
(``airflow db migrate``, in-process), then what its DAG processor does: parse the DAG folder and write the
DAGs (paused at creation; Airflow 3: bundle and versions) to the database."""

from __future__ import annotations

import importlib
import json

import airflow
from airflow.models import DagBag, DagModel
from airflow.utils.session import create_session


def main() -> None:
    from airflow.utils.db import upgradedb

    upgradedb()
    bag = DagBag(include_examples=False)
    assert not bag.import_errors, bag.import_errors
    if airflow.__version__.startswith("3."):
        from airflow.dag_processing.bundles.manager import DagBundlesManager

        DagBundlesManager().sync_bundles_to_db()
        if hasattr(bag, "sync_to_db"):  # 3.0
            bag.sync_to_db("dags-folder", None)
        else:  # 3.1+
            from airflow.dag_processing.dagbag import sync_bag_to_db

            sync_bag_to_db(bag, "dags-folder", None)
    else:
        importlib.import_module("airflow.providers.fab.auth_manager.models")  # notes refer to ab_user

        bag.sync_to_db()
    with create_session() as session:
        paused = {d.dag_id: d.is_paused for d in session.query(DagModel)}
    print(json.dumps({"dags": paused}))


if __name__ == "__main__":
    main()
