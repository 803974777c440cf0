"""Gap: moto gives every node group without ``remoteAccess`` an invented one ({"ec2SshKey": "eksKeypair"}) and
a remote-access security group, so Terraform sees a remote_access block appear on a node group that has
SSH closed and plans to replace it (and a scanner would think SSH is open). Fix: a node group has remote
access, and a remote-access security group, only when CreateNodegroup asked for it, as in EKS."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.eks.models import Nodegroup

    original_init = Nodegroup.__init__
    if getattr(original_init, "_mwaa_platform_fixed", False):
        return

    def __init__(self: Any, *args: Any, remote_access: dict[str, Any] | None = None, **kwargs: Any) -> None:  # noqa: N807
        original_init(self, *args, remote_access=remote_access, **kwargs)  # type: ignore[misc]
        if not remote_access:
            self.remote_access = None
            self.resources = {k: v for k, v in self.resources.items() if k != "remoteAccessSecurityGroup"}

    __init__._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    Nodegroup.__init__ = __init__  # type: ignore[method-assign]
