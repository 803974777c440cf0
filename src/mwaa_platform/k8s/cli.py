"""``mwaa-platform k8s``: create the in-cluster objects IRSA pods and MWAA need, from Terraform outputs."""

from __future__ import annotations

import json
import sys
from typing import IO

import click

from mwaa_platform.k8s import spec as spec_mod

_OUTPUTS_HELP = ("`terraform output -json` of the stack with the eks-irsa module ('-' reads stdin), e.g. "
                 "`terraform -chdir=terraform/platform output -json | mwaa-platform k8s bootstrap --outputs -`")


@click.group("k8s")
def group() -> None:
    """In-cluster objects for IRSA service accounts (namespace, service accounts, MWAA's Role + RoleBinding)."""


def _load_spec(outputs: IO[str], output_name: str, region: str | None) -> spec_mod.BootstrapSpec:
    try:
        spec = spec_mod.loads(outputs.read(), output_name)
    except spec_mod.SpecError as exc:
        raise click.ClickException(str(exc)) from None
    except UnicodeDecodeError:
        raise click.ClickException("Terraform outputs are not UTF-8 text") from None
    if region and region != spec.region:
        spec = spec_mod.BootstrapSpec(spec.cluster_name, region, spec.namespaces, spec.service_accounts, spec.mwaa)
    return spec


@group.command()
@click.option("--outputs", "outputs", type=click.File("r"), required=True, help=_OUTPUTS_HELP)
@click.option("--output-name", default=spec_mod.DEFAULT_OUTPUT_NAME, show_default=True,
              help="Name of the output holding the module's k8s_bootstrap value.")
@click.option("--region", default=None, help="Override the region from the outputs.")
@click.option("--server", default=None,
              help="API server URL instead of the one DescribeCluster returns (e.g. a tunnel to a private endpoint).")
@click.option("--ca-file", type=click.File("rb"), default=None, help="PEM CA bundle for --server.")
@click.option("--dry-run", is_flag=True, help="Print the manifests as JSON and change nothing.")
def bootstrap(outputs: IO[str], output_name: str, region: str | None, server: str | None,
              ca_file: IO[bytes] | None, dry_run: bool) -> None:
    """Create or patch the namespace(s), IRSA service accounts and MWAA's pod-operator Role + RoleBinding."""
    from mwaa_platform.k8s import manifests

    spec = _load_spec(outputs, output_name, region)
    docs = manifests.build(spec)
    if dry_run:
        click.echo(json.dumps(docs, indent=2))
        return

    import base64

    from mwaa_platform.k8s import apply, eks_client

    ca_data = base64.b64encode(ca_file.read()).decode() if ca_file else None
    click.echo(f"cluster {spec.cluster_name} ({spec.region}): {len(docs)} objects", err=True)
    try:
        with eks_client.api_client(spec.cluster_name, spec.region, server=server, ca_data=ca_data) as api:
            outcomes = apply.apply_all(
                api, docs,
                on_outcome=lambda o: click.echo(f"{o.action:9} {o.target}"
                                                + (f" ({', '.join(o.fields)})" if o.fields else "")),
            )
    except (apply.ApplyError, eks_client.ClusterNotReadyError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    changed = sum(o.action != "unchanged" for o in outcomes)
    click.echo(f"done: {changed} changed, {len(outcomes) - changed} unchanged", err=True)


@group.command("token")
@click.option("--cluster-name", required=True)
@click.option("--region", default=None)
def token_command(cluster_name: str, region: str | None) -> None:
    """Print an ExecCredential for kubectl's exec plugin (same token as `aws eks get-token`)."""
    from mwaa_platform.k8s import eks_token

    sys.stdout.write(json.dumps(eks_token.get_token(cluster_name, region).exec_credential()) + "\n")
