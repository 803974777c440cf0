"""Runs INSIDE an Airflow runtime (``python -m mwaa_platform.dag_tooling.probe <dag folder>``): parse the folder with
DagBag twice - safe mode on and off - and print one JSON line. Standard library + Airflow only.

The caller sets ``AIRFLOW__CORE__DAGS_FOLDER`` to the same folder, so DagBag's per-file stats (whose paths
are relative to the DAGs folder) and its import errors (absolute paths) can be reported relative to it.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

MARKER = "MWAA-PLATFORM-PROBE "


def _bag(folder: str, safe_mode: bool) -> dict[str, object]:
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=folder, include_examples=False, safe_mode=safe_mode)
    return {
        "dags": {dag_id: os.path.relpath(dag.fileloc, folder) for dag_id, dag in sorted(bag.dags.items())},
        "import_errors": {os.path.relpath(f, folder): str(msg).strip()[-2000:]
                          for f, msg in sorted(bag.import_errors.items())},
        "parsed": {s.file.lstrip("/"): s.dag_num for s in bag.dagbag_stats},
    }


def main() -> None:
    folder = os.path.abspath(sys.argv[1])
    warnings.simplefilter("ignore")
    from importlib.metadata import version

    out = {"airflow_version": version("apache-airflow"), "safe": _bag(folder, True), "all": _bag(folder, False)}
    print(MARKER + json.dumps(out))


if __name__ == "__main__":
    main()
