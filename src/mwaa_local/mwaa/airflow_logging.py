"""Airflow's logging configuration of a local environment whose TaskLogs are enabled (runs inside Airflow).

Set as ``[logging] logging_config_class = mwaa_local.mwaa.airflow_logging.LOGGING_CONFIG`` by the
local MWAA (:mod:`mwaa_local.mwaa.logshipping`), next to ``remote_logging = True`` and
``remote_base_log_folder = cloudwatch://<TaskLogs log group ARN>``. It is Airflow's own default configuration,
so the task handler is the amazon provider's CloudWatch handler, as on MWAA; only the TaskLogs ``LogLevel``
(``MWAA_LOCAL_TASK_LOG_LEVEL``) is applied to what reaches CloudWatch Logs:

- Airflow 2: the ``airflow.task`` logger's level (every task log record passes that logger);
- Airflow 3: the remote log IO's structlog processors (they run in the task process and ship each event)
  skip events below the level. Everything else (reading the logs back in the API/UI) is the provider's.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable
from functools import cached_property
from typing import Any

from airflow.config_templates import airflow_local_settings as _defaults

TASK_LOG_LEVEL = os.environ.get("MWAA_LOCAL_TASK_LOG_LEVEL", "INFO").upper()
_LEVELNO = logging.getLevelName(TASK_LOG_LEVEL) if isinstance(logging.getLevelName(TASK_LOG_LEVEL), int) else 20

LOGGING_CONFIG: dict[str, Any] = copy.deepcopy(_defaults.DEFAULT_LOGGING_CONFIG)
if "airflow.task" in LOGGING_CONFIG.get("loggers", {}):
    LOGGING_CONFIG["loggers"]["airflow.task"]["level"] = TASK_LOG_LEVEL
DEFAULT_REMOTE_CONN_ID = getattr(_defaults, "DEFAULT_REMOTE_CONN_ID", None)


def _level_of(method_name: str, event: Any) -> int:
    name = (event.get("level") if isinstance(event, dict) else None) or method_name or "info"
    name = str(name).upper()
    name = {"WARN": "WARNING", "EXCEPTION": "ERROR", "FATAL": "CRITICAL", "MSG": "INFO"}.get(name, name)
    number = logging.getLevelName(name)
    return number if isinstance(number, int) else logging.INFO


class LevelFilteredRemoteLog:
    """The provider's remote log IO, whose shipping processors skip events below the TaskLogs level."""

    def __init__(self, inner: Any, levelno: int) -> None:
        self._inner = inner
        self._levelno = levelno

    @cached_property
    def processors(self) -> tuple[Callable[..., Any], ...]:
        def wrap(proc: Callable[..., Any]) -> Callable[..., Any]:
            def filtered(logger: Any, method_name: str, event: Any) -> Any:
                if _level_of(method_name, event) < self._levelno:
                    return event
                return proc(logger, method_name, event)
            return filtered
        return tuple(wrap(p) for p in (getattr(self._inner, "processors", None) or ()))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_inner", "_levelno"):  # copy/pickle probes before __init__
            raise AttributeError(name)
        return getattr(self._inner, name)


_remote = getattr(_defaults, "REMOTE_TASK_LOG", None)
REMOTE_TASK_LOG = LevelFilteredRemoteLog(_remote, _LEVELNO) if _remote is not None else None
