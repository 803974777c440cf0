"""Dataset (Airflow 2) / asset (Airflow 3) listener: logs every change and can forward it to EventBridge."""
