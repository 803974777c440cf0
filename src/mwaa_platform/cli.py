"""``mwaa-platform``: one CLI over the platform's capabilities.

Command groups live next to their capability (``mwaa_platform.<capability>.cli:group``) and are imported
only when used, so ``mwaa-platform --help`` stays fast and a capability's dependencies load on demand.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> (module, attribute, one-line help)
GROUPS: dict[str, tuple[str, str, str]] = {
    "local": ("mwaa_local.cli", "group", "Embedded default: emulator, local MWAA, Postgres."),
    "metadata": ("mwaa_platform.metadata.cli", "group", "Airflow metadata backup / restore / verify."),
    "failover": ("mwaa_platform.failover.cli", "group", "DR runbook: status, plan, execute, resume, failback."),
    "endpoints": ("mwaa_platform.endpoints.cli", "group", "MWAA customer-managed VPC endpoint automation."),
    "api": ("mwaa_platform.airflow_api.cli", "group", "Airflow REST: trigger, runs, import, load test."),
    "dags": ("mwaa_platform.dag_tooling.cli", "group", "DAG tooling: check dags/ in a real Airflow."),
    "k8s": ("mwaa_platform.k8s.cli", "group", "In-cluster objects for IRSA service accounts."),
    "sso": ("mwaa_platform.sso.cli", "group", "SSO authorizations for the Airflow UI."),
    "versions": ("mwaa_platform.versions.cli", "group", "MWAA Airflow versions: table, change paths, record."),
    "upgrade": ("mwaa_platform.upgrade.cli", "group", "Airflow upgrades: check, rehearse, execute, resume, rollback."),
    "drill": ("mwaa_local.dr_drill", "command", "DR drill on the embedded default (make drill, make demo)."),
    "demo": ("mwaa_platform.demo", "command", "Apply ENV in both regions, re-plan, summarize (make demo)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in GROUPS:
            return None
        module_name, attr, help_text = GROUPS[cmd_name]
        try:
            module: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                reason = str(exc)

                @click.command(cmd_name, help=f"{help_text} (not available: {exc.name} is missing)")
                def unavailable() -> None:
                    raise click.ClickException(f"'{cmd_name}' is not available in this install ({reason}).")

                return unavailable
            raise
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, GROUPS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mwaa-platform")
def main() -> None:
    """MWAA as a multi-region platform with disaster recovery."""


if __name__ == "__main__":
    main()
