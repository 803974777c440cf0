"""Cross-account data pipeline support: the Airflow Redshift connection secret and an offline IAM policy
evaluator (tests and emulation). The Terraform side is modules/cross-account-data; the DAG is
dags/data_pipeline.py."""
