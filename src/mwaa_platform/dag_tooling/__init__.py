"""DAG tooling: check dags/ in a real Airflow of each environment version, and build the environment's assets
(requirements localized to the shipped constraints, a deterministic plugins.zip)."""
