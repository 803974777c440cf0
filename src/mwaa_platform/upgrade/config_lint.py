"""Configuration options the target Airflow renames or removes, from Airflow's own ``airflow config lint``.

The environment's AirflowConfigurationOptions (``section.key``) are given to the target runtime as
``AIRFLOW__SECTION__KEY`` with a throw-away AIRFLOW_HOME; ``config lint`` (Airflow 3) then names each option
that moved or was removed. Airflow 2 has no ``config lint``: the check reports itself as skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

from mwaa_platform import airflow_runtime
from mwaa_platform.upgrade.findings import Finding, Severity

TIMEOUT_SECONDS = 240
_ISSUE = re.compile(r"^\s*-\s+(?P<text>.+)$")
_OPTION = re.compile(r"`(?P<key>[a-z0-9_]+)` configuration parameter .*?`(?P<section>[a-z0-9_.-]+)` section")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.[A-Za-z0-9_]+$")


class ConfigLintError(RuntimeError):
    """The target runtime could not lint the options."""


@dataclass
class ConfigLint:
    ran: bool
    findings: list[Finding]
    detail: str = ""


def env_name(option: str) -> str:
    """``webserver.secret_key`` -> ``AIRFLOW__WEBSERVER__SECRET_KEY``."""
    if not _NAME.match(option):
        raise ConfigLintError(f"not an Airflow configuration option name (section.key): {option!r}")
    section, key = option.rsplit(".", 1)
    return f"AIRFLOW__{section.upper().replace('.', '_')}__{key.upper()}"


def lint(version: str, options: dict[str, str]) -> ConfigLint:
    if not options:
        return ConfigLint(True, [], "no configuration options")
    runtime = airflow_runtime.runtime(version)
    if runtime.major < 3:
        return ConfigLint(False, [], f"Airflow {version} has no `airflow config lint`")
    if not runtime.airflow.exists():
        raise ConfigLintError(f"no Airflow {version} runtime at {runtime.venv} (the DAG check creates it)")
    names = {env_name(option): option for option in options}
    with tempfile.TemporaryDirectory(prefix="upgrade-config-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        # values are never printed by lint; they are passed as they are so a value-dependent check sees them
        env.update({name: str(options[option]) for name, option in names.items()})
        env.update({"AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db"})
        try:
            done = subprocess.run([str(runtime.airflow), "config", "lint"], env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False, cwd=home)
        except subprocess.TimeoutExpired:
            raise ConfigLintError(f"airflow config lint ({version}) took more than {TIMEOUT_SECONDS}s") from None
    if done.returncode != 0 and "Found issues" not in done.stdout:
        raise ConfigLintError(f"airflow config lint ({version}) failed: {(done.stderr or done.stdout)[-500:]}")
    findings = []
    for line in done.stdout.splitlines():
        issue = _ISSUE.match(line)
        if not issue:
            continue
        text = issue["text"].strip()
        named = _OPTION.search(text)
        code = f"{named['section']}.{named['key']}" if named else None
        if named and code not in options and not any(o.endswith(f".{named['key']}") for o in options):
            continue  # about a default of the throw-away home, not one of the environment's options
        # a removed option no longer does anything; a renamed or moved one is still read, with a deprecation warning
        severity: Severity = "blocker" if "removed" in text.lower() else "warning"
        findings.append(Finding("config", severity, text.rstrip("."), code=code))
    return ConfigLint(True, findings)
