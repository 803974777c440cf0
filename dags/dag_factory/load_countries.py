"""Airflow DAG loader for dag-factory: builds one DAG per country from countries.yml.

The words 'airflow' and 'dag' in this docstring matter: the scheduler's safe mode skips .py files that
contain neither, and a bare dag-factory loader would otherwise be silently ignored.
Needs `dag-factory` (requirements/requirements-<version>.txt).
"""

from __future__ import annotations

from pathlib import Path

from dagfactory import load_yaml_dags

load_yaml_dags(globals_dict=globals(), config_filepath=str(Path(__file__).with_name("countries.yml")))
