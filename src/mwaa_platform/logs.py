"""Logging of the Lambda entry points, set up one way (every zip carries this module, see packaging.ALWAYS).

The Lambda runtime installs a handler on the root logger; plain interpreters (the CLI, the emulator running a
handler in a subprocess) do not, so one is added there. The level comes from ``LOG_LEVEL`` (default INFO), and
the AWS SDK's loggers stay at WARNING whatever it is: at DEBUG they print request and response bodies
(credentials, tokens).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR"})
QUIET = ("botocore", "boto3", "urllib3", "s3transfer")
FORMAT = "%(levelname)s %(name)s %(message)s"


def configure(env: Mapping[str, str] | None = None) -> None:
    """Idempotent: the root level from ``LOG_LEVEL``, a handler where none is installed, the SDK kept quiet."""
    env = os.environ if env is None else env
    level = str(env.get("LOG_LEVEL") or "INFO").upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=FORMAT)
    root.setLevel(level if level in LEVELS else "INFO")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
