"""``[core] hostname_callable`` of the local MWAA's Celery environments (imported inside Airflow processes).

On MWAA every worker is its own container with its own host name. Locally all processes share one host, so
each worker process gets ``MWAA_LOCAL_HOSTNAME`` and Airflow records that as ``task_instance.hostname``;
processes without it (the scheduler, the webserver) use the machine's name, as Airflow's default does.
"""

from __future__ import annotations

import os
import socket


def get() -> str:
    return os.environ.get("MWAA_LOCAL_HOSTNAME") or socket.getfqdn()
