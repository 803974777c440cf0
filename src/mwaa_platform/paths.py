"""Where the project keeps local state (runtimes, caches, the embedded default): ``$MWAA_PLATFORM_STATE`` or
``<repo>/.state``."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    base = os.environ.get("MWAA_PLATFORM_STATE")
    path = Path(base) if base else repo_root() / ".state"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()
