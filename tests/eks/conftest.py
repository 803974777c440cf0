"""tests/eks reuses the Kubernetes API server double from tests/k8s (a test tool, see its docstring)."""

from __future__ import annotations

import sys
from pathlib import Path

_K8S_TESTS = str(Path(__file__).resolve().parents[1] / "k8s")
if _K8S_TESTS not in sys.path:
    sys.path.append(_K8S_TESTS)
