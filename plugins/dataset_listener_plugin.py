"""Airflow plugin registering the dataset/asset listener (plugins.zip root; MWAA unzips it into plugins/)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from dataset_listener import listener


class DatasetListenerPlugin(AirflowPlugin):
    name = "dataset_listener"
    listeners = [listener]  # noqa: RUF012 - Airflow reads this class attribute
