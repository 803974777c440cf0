"""Gap: moto's RAM records a share of subnets but EC2 ignores it: a participant account's DescribeSubnets and
DescribeVpcs never show the subnets shared with it (or their VPC), so anything that validates a shared
subnet from the participant (MWAA's CreateEnvironment, ``data "aws_subnet"``) fails with InvalidSubnetID.
Fix (emulation of VPC sharing, read side only): in an account named directly as a principal (account id or
its root ARN) of an ACTIVE share in the same region, DescribeSubnets also answers the owner's shared subnets
(OwnerId stays the owner's, as in AWS) and DescribeVpcs their VPCs. Filters apply as usual. Nothing else is
shared: participants still cannot see or change the owner's route tables, endpoints or other resources, and
shares with an organization or OU are not expanded to member accounts here."""

from __future__ import annotations

from typing import Any


def _shared_with(account: str, region: str) -> list[tuple[str, str]]:
    """(owner account, subnet id) of every subnet RAM-shared with ``account`` in ``region``."""
    from moto.ram.models import ram_backends

    found: list[tuple[str, str]] = []
    for owner in list(ram_backends.keys()):
        if owner == account:
            continue
        backend = dict.get(ram_backends[owner], region)  # no lazy creation of backends for other regions
        if backend is None:
            continue
        for share in backend.resource_shares:
            if share.status != "ACTIVE" or not {account, f"arn:aws:iam::{account}:root"} & set(share.principals):
                continue
            for arn in share.resource_arns:
                parts = arn.split(":")
                if len(parts) == 6 and parts[2] == "ec2" and parts[3] == region and parts[5].startswith("subnet/"):
                    found.append((parts[4], parts[5].split("/", 1)[1]))
    return found


def shared_subnets(account: str, region: str) -> list[Any]:
    """The owner's Subnet objects shared with ``account`` (subnets deleted since are skipped)."""
    from moto.ec2.exceptions import InvalidSubnetIdError
    from moto.ec2.models import ec2_backends

    subnets = []
    for owner, subnet_id in _shared_with(account, region):
        try:
            subnets.append(ec2_backends[owner][region].get_subnet(subnet_id))
        except InvalidSubnetIdError:
            continue
    return subnets


def apply() -> None:
    from moto.ec2.models.subnets import SubnetBackend
    from moto.ec2.models.vpcs import VPCBackend
    from moto.ec2.utils import generic_filter

    original_subnets, original_vpcs = SubnetBackend.describe_subnets, VPCBackend.describe_vpcs
    if getattr(original_subnets, "_mwaa_platform_fixed", False):
        return

    def describe_subnets(self: Any, subnet_ids: list[str] | None = None, filters: Any | None = None) -> list[Any]:
        shared = {s.id: s for s in shared_subnets(self.account_id, self.region_name)}
        if not shared:
            return original_subnets(self, subnet_ids, filters)
        if subnet_ids:
            own_ids = [i for i in subnet_ids if i not in shared]
            own = original_subnets(self, own_ids, filters) if own_ids else []
            theirs = [shared[i] for i in subnet_ids if i in shared]
        else:
            own = original_subnets(self, subnet_ids, filters)
            theirs = list(shared.values())
        if filters:
            theirs = generic_filter(filters, theirs)
        return [*own, *theirs]

    def describe_vpcs(self: Any, vpc_ids: list[str] | None = None, filters: Any = None) -> list[Any]:
        from moto.ec2.models import ec2_backends

        shared_vpcs = {s.vpc_id: ec2_backends[s.owner_id][self.region_name].vpcs.get(s.vpc_id)
                       for s in shared_subnets(self.account_id, self.region_name)}
        shared_vpcs = {k: v for k, v in shared_vpcs.items() if v is not None and k not in self.vpcs}
        if not shared_vpcs:
            return original_vpcs(self, vpc_ids, filters)
        if vpc_ids:
            own_ids = [i for i in vpc_ids if i not in shared_vpcs]
            own = original_vpcs(self, own_ids, filters) if own_ids else []
            theirs = [shared_vpcs[i] for i in vpc_ids if i in shared_vpcs]
        else:
            own = original_vpcs(self, vpc_ids, filters)
            theirs = list(shared_vpcs.values())
        if filters:
            theirs = generic_filter(filters, theirs)
        return [*own, *theirs]

    describe_subnets._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    SubnetBackend.describe_subnets = describe_subnets  # type: ignore[method-assign]
    VPCBackend.describe_vpcs = describe_vpcs  # type: ignore[method-assign]
